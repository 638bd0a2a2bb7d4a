"""Where each installment's dunning stands (PA6): its last level sent and that day, kept beside the reminders.

The Reminder rows are the history (one per installment and level, never changed); DunningState is their summary,
one row per reminded installment, that the proposal reads (db/dunning.py). Every path that records reminders
writes the state in the same transaction: `advance` for a run's letter, `rebuild` for the demo's bulk history.
"""
from datetime import date

from tortoise import connections

from db.reminder import DunningState

CHUNK = 500


async def last_levels(installment_ids: list[int]) -> dict[int, tuple[int, date]]:
    """The highest level already sent per installment, with the day it was sent."""
    result: dict[int, tuple[int, date]] = {}
    for start in range(0, len(installment_ids), CHUNK):
        for installment_id, level, sent_on in await DunningState.filter(
                id__in=installment_ids[start:start + CHUNK]).values_list('id', 'level', 'sent_on'):
            result[installment_id] = (level, sent_on)
    return result


async def advance(installment_ids: list[int], level: int, sent_on: date) -> None:
    """Level `level` was sent on `sent_on` for these installments (each below it: the caller checked, in the same
    transaction, holding the installments' lock)."""
    for start in range(0, len(installment_ids), CHUNK):
        ids = installment_ids[start:start + CHUNK]
        known = set(await DunningState.filter(id__in=ids).values_list('id', flat=True))
        if known:
            await DunningState.filter(id__in=list(known)).update(level=level, sent_on=sent_on)
        for installment_id in ids:  # the id is the installment's (the proposal's lookup by primary key)
            if installment_id not in known:
                await DunningState.create(id=installment_id, installment_id=installment_id, level=level,
                                          sent_on=sent_on)


async def rebuild(installment_ids: list[int] | None = None) -> None:
    """Recompute the state of these installments (all if None) from their reminders: after a bulk insert of
    reminders (the demo's history)."""
    client = connections.get('default')
    where = ''
    if installment_ids is not None:
        if not installment_ids:
            return
        where = f' WHERE installment_id IN ({", ".join(str(int(i)) for i in installment_ids)})'
    await client.execute_script(
        f'DELETE FROM dunning_state{where}; '
        f'INSERT INTO dunning_state (id, installment_id, level, sent_on) '
        f'SELECT installment_id, installment_id, MAX(level), MAX(sent_on) FROM reminder{where} '
        f'GROUP BY installment_id')
