"""Dunning (PA6): the proposal of overdue installments per client and level, the letters, and their record.

The proposal is computed, never stored: overdue open installments of invoices, whose client is not excluded, that
reached a level not sent yet (logic/dunning.py). The page reads it a page of clients at a time (`proposal_page`):
every installment due is counted and summed in SQL, the page's clients alone are read line by line with their
penalties; "Tout choisir" takes every page's (`due_installment_ids`). A run, a job of the job worker
(db/job_kinds.py: dunning_email, dunning_post), sends or prints letters (one per client and level), then records one
Reminder per installment with the amounts claimed that day, moves its DunningState to that level
(db/dunning_state.py), and writes an audit entry per letter, in one short transaction per letter (no SMTP or PDF
inside it). The level is checked again in that transaction: a second tab sending the same letter records nothing
twice.
"""
import asyncio
import io
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from tortoise import connections

from db import dunning_state, raw_values
from db.actor import Actor, require_admin
from db.audit import changes, record
from db.contact import Contact, display_name
from db.document import Installment, Payment
from db.reminder import DunningExclusion, DunningLevel, DunningSettings, ReferenceRate, Reminder
from db.settings import get_company
from db.templates_ops import choose_template, style_of
from db.unit_of_work import transaction
from logic import dunning as rules
from logic.errors import DomainError
from logic.money import format_eur, parse_decimal
from logic.render.style import TemplateStyle

SETTINGS_ID = 1
CHUNK = 500
ID_CHUNK = 5000  # installment ids per statement (SQLite caps a statement's length at 1 MB)
CLIENTS_PER_PAGE = 20  # the page shows the proposal a page of clients at a time (pages/dunning.py)


@dataclass(kw_only=True, slots=True)
class Level:
    level: int
    days: int
    subject: str
    text: str


@dataclass(kw_only=True, slots=True)
class Rules:
    levels: dict[int, Level]
    terms: rules.PenaltyTerms
    rates: list[rules.ReferenceRate]
    notice_days: int

    @property
    def thresholds(self) -> dict[int, int]:
        return {level: item.days for level, item in self.levels.items()}


@dataclass(kw_only=True, slots=True)
class Line:
    installment_id: int
    document_id: int
    number: str
    due_date: date
    days_late: int
    left: Decimal
    level: int
    last_level: int
    # None: a half-year of the late span has no reference rate (Paramètres > Relances), so no amount is claimed.
    penalties: Decimal | None = Decimal('0.00')
    indemnity: Decimal = Decimal('0.00')
    # The sums received after the due date, with their day: they bore penalties until then (logic/dunning.py).
    paid_late: list[tuple[date, Decimal]] = field(default_factory=list)


@dataclass(kw_only=True, slots=True)
class ClientGroup:
    client_id: int
    name: str
    email: str
    business: bool
    address: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    template_id: int | None = None  # the client's own template of dunning letters (its font and colour)

    @property
    def total(self) -> Decimal:
        return sum((line.left + (line.penalties or 0) + line.indemnity for line in self.lines), Decimal('0.00'))


@dataclass(kw_only=True, slots=True)
class Letter:
    """One letter or e-mail: one client, one level, its lines."""
    group: ClientGroup
    level: int
    subject: str
    text: str
    style: TemplateStyle = field(default_factory=TemplateStyle)


async def load_rules() -> Rules:
    stored = {row.level: row for row in await DunningLevel.all()}
    levels = {level: Level(level=level, days=stored[level].days if level in stored else rules.DEFAULT_DAYS[level],
                           subject=stored[level].subject if level in stored else rules.DEFAULT_SUBJECTS[level],
                           text=stored[level].text if level in stored else rules.DEFAULT_TEXTS[level])
              for level in rules.LEVELS}
    settings = await get_settings()
    rates = [rules.ReferenceRate(kind=row.kind, valid_from=row.valid_from, rate=row.rate)
             for row in await ReferenceRate.all()]
    return Rules(levels=levels, terms=rules.PenaltyTerms(basis=settings.penalty_basis, fixed_rate=settings.fixed_rate),
                 rates=rates, notice_days=settings.notice_days)


async def get_settings() -> DunningSettings:
    return await DunningSettings.get_or_none(id=SETTINGS_ID) or DunningSettings(id=SETTINGS_ID)


@dataclass(kw_only=True, slots=True, frozen=True)
class DueClient:
    """A client with installments due for a reminder: what the proposal's summary and pages are made of."""
    client_id: int
    name: str
    lines: int
    left: Decimal


@dataclass(kw_only=True, slots=True)
class Proposal:
    """One page of the proposal (its clients in full, penalties computed) and what every page sums up."""
    clients: int
    lines: int
    left: Decimal          # what is left to pay on every line proposed, penalties and indemnities aside
    page: int
    pages: int
    groups: list[ClientGroup]


async def proposal_page(page: int = 1, *, per_page: int | None = None, today: date | None = None) -> Proposal:
    """Page `page` of the proposal, clients by name. Every installment due for a reminder counts, whatever their
    number: the summary is summed in SQL, and only the page's clients are read line by line, with their penalties
    (computing them for tens of thousands of late installments took most of a second at 100,000 invoices)."""
    today, per_page = today or date.today(), per_page or CLIENTS_PER_PAGE
    config = await load_rules()
    clients = await due_clients(today, config.thresholds)
    pages = max(1, -(-len(clients) // per_page))
    page = min(max(1, page), pages)
    shown = [client.client_id for client in clients[(page - 1) * per_page:page * per_page]]
    return Proposal(clients=len(clients), lines=sum(client.lines for client in clients),
                    left=sum((client.left for client in clients), Decimal('0.00')), page=page, pages=pages,
                    groups=await proposals(today, client_ids=shown, config=config) if shown else [])


async def due_clients(today: date, thresholds: dict[int, int]) -> list[DueClient]:
    """Every client not excluded with installments due for a new level, by name (as the groups are sorted), with
    their count and what is left on them: one statement, the sums grouped from the installments' index alone
    (migration documents/0016), then each client's name by primary key."""
    client = connections.get('default')
    sql, params = overdue_sql(today, thresholds, sqlite=client.capabilities.dialect == 'sqlite',
                              select='i.client_id, COUNT(*) AS lines, SUM(i.amount - i.paid_amount) AS left_cents',
                              tail='AND i.client_id IS NOT NULL GROUP BY i.client_id')
    _, rows = await client.execute_query(
        f'SELECT c.id, c.name, c.first_name, c.is_company, d.lines, d.left_cents FROM ({sql}) d '
        f'JOIN contact c ON c.id = d.client_id WHERE d.client_id NOT IN (SELECT contact_id FROM dunning_exclusion)',
        params)
    result = [DueClient(client_id=row[0], name=display_name(row[1], row[2], row[3]), lines=row[4],
                        left=raw_values.money(row[5])) for row in rows]
    result.sort(key=lambda item: (item.name.casefold(), item.client_id))
    return result


async def due_installment_ids(today: date | None = None) -> list[int]:
    """Every installment the proposal holds, on every page ("Tout choisir")."""
    today = today or date.today()
    config = await load_rules()
    client = connections.get('default')
    sql, params = overdue_sql(today, config.thresholds, sqlite=client.capabilities.dialect == 'sqlite', select='i.id',
                              tail='AND i.client_id IS NOT NULL AND i.client_id NOT IN '
                                   '(SELECT contact_id FROM dunning_exclusion)')
    _, rows = await client.execute_query(sql, params)
    return [row[0] for row in rows]


async def proposals(today: date | None = None, *, installment_ids: list[int] | None = None,
                    client_ids: list[int] | None = None, config: Rules | None = None) -> list[ClientGroup]:
    """The clients to remind, by name, each with its installments due for a new level (oldest due first); only
    `installment_ids` (the letters chosen) or the clients `client_ids` (a page) when given."""
    today = today or date.today()
    config = config or await load_rules()
    rows = await overdue_rows(today, config.thresholds, installment_ids, client_ids)
    if not rows:
        return []
    by_client: dict[int, list[Line]] = defaultdict(list)
    partly_paid: dict[int, Line] = {}
    for row, late, level in await _due_levels(rows, today, config):
        by_client[row.client_id].append(line := Line(
            installment_id=row.id, document_id=row.document_id, number=row.number, due_date=row.due_date,
            days_late=late, left=row.left, level=level, last_level=row.last_level))
        if row.partly_paid:
            partly_paid[row.id] = line
    await _read_paid_late(partly_paid)
    contacts = {}
    ids = list(by_client)
    for start in range(0, len(ids), CHUNK):
        for contact in await Contact.filter(id__in=ids[start:start + CHUNK]).values(
                'id', 'name', 'first_name', 'email', 'is_company', 'category', 'address', 'address2', 'postcode',
                'city', 'dunning_template_id'):
            contacts[contact['id']] = SimpleNamespace(**contact)
    groups = []
    memo: dict = {}  # each half-year's penalty rate, asked once
    for client_id, lines in by_client.items():
        contact = contacts.get(client_id)
        if contact is None:
            continue
        business = rules.is_business(contact.is_company, contact.category)
        for line, indemnity in zip(lines, rules.indemnities([line.document_id for line in lines], business=business)):
            line.indemnity = indemnity
            try:
                line.penalties = rules.late_penalties(line.left, line.due_date, today, config.rates, config.terms,
                                                      business=business, memo=memo, paid_late=line.paid_late)
            except rules.RateMissing:
                line.penalties = None
        name = display_name(contact.name, contact.first_name, contact.is_company)
        address = [part for part in (contact.address, contact.address2,
                                     f'{contact.postcode} {contact.city}'.strip()) if part]
        groups.append(ClientGroup(client_id=client_id, name=name, email=contact.email, business=business,
                                  address=address, lines=lines, template_id=contact.dunning_template_id))
    groups.sort(key=lambda group: (group.name.casefold(), group.client_id))
    return groups


async def _due_levels(rows: list['OverdueRow'], today: date, config: Rules) -> list[tuple['OverdueRow', int, int]]:
    """(row, days late, level due) of the rows due for a new level, their client not excluded from dunning."""
    excluded = set(await DunningExclusion.all().values_list('contact_id', flat=True))
    due = []
    for row in rows:
        if row.client_id in excluded:
            continue
        late = rules.days_late(row.due_date, today)
        level = rules.level_due(late, config.thresholds, row.last_level, (today - (row.last_sent or today)).days)
        if level is not None:
            due.append((row, late, level))
    return due


async def count_letters(installment_ids: list[int], today: date | None = None) -> int:
    """How many letters `letters(installment_ids)` makes (one per client and level), without computing them: no
    penalties, no texts. A run of every overdue installment ("Tout choisir", 23,000 at 100,000 invoices) is counted
    on the click in about half the time; the job worker computes the letters themselves."""
    today = today or date.today()
    config = await load_rules()
    rows = await overdue_rows(today, config.thresholds, installment_ids, None)
    due = await _due_levels(rows, today, config) if rows else []
    clients = list({row.client_id for row, _, _ in due})
    known = set()
    for start in range(0, len(clients), CHUNK):  # as `proposals`: a client without its contact has no letter
        known.update(await Contact.filter(id__in=clients[start:start + CHUNK]).values_list('id', flat=True))
    return len({(row.client_id, level) for row, _, level in due if row.client_id in known})


@dataclass(kw_only=True, slots=True)
class OverdueRow:
    id: int
    document_id: int
    number: str
    due_date: date
    left: Decimal
    client_id: int
    last_level: int
    last_sent: date | None
    partly_paid: bool = False


async def _read_paid_late(lines: dict[int, Line]) -> None:
    """Each partly paid line's settlements made after its due date (those not reversed since), oldest first."""
    ids = list(lines)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        reversed_ids = set(await Payment.filter(installment_id__in=chunk, kind='reversal')
                           .values_list('reverses_id', flat=True))
        for payment_id, installment_id, paid_on, amount in await Payment.filter(
                installment_id__in=chunk, kind='settlement').order_by('paid_on', 'id') \
                .values_list('id', 'installment_id', 'paid_on', 'amount'):
            line = lines[installment_id]
            if payment_id not in reversed_ids and paid_on > line.due_date:
                line.paid_late.append((paid_on, amount))


async def overdue_rows(today: date, thresholds: dict[int, int], installment_ids: list[int] | None = None,
                       client_ids: list[int] | None = None) -> list[OverdueRow]:
    """Open installments of invoices that reached the next level after the last one sent (logic/dunning.py
    level_due: late enough, and long enough after the previous level), oldest first, with that last level and day.

    Raw SQL, read as plain values: through the ORM the date columns of thousands of rows were parsed one by one by
    iso8601 (half of the proposal's time at 10,000 invoices). Each overdue installment is read from the
    (kind, status, due_date, id, ...) index and looks up its DunningState row by primary key (its id is the
    installment's), whose level and day rule out here, in SQL, those not due for a new level (mostly the
    long-overdue ones already at the last level): only the rows proposed are read from the installment table.
    Probing the reminders' (installment_id, level) index instead cost twice as much (docs/benchmarks.md).
    """
    client = connections.get('default')
    sqlite = client.capabilities.dialect == 'sqlite'
    if installment_ids is not None and len(installment_ids) > ID_CHUNK:  # "Tout choisir": a statement per chunk
        rows = []
        for start in range(0, len(installment_ids), ID_CHUNK):
            sql, params = overdue_sql(today, thresholds, installment_ids[start:start + ID_CHUNK], client_ids,
                                      sqlite=sqlite)
            rows += await client.execute_query_dict(sql, params)
        rows.sort(key=lambda row: (str(row['due_date']), row['id']))
    else:
        sql, params = overdue_sql(today, thresholds, installment_ids, client_ids, sqlite=sqlite)
        rows = await client.execute_query_dict(sql, params)
    result = []
    for row in rows:
        if row['client_id'] is None:  # tested here, not in SQL: there it costs a table read per overdue row
            continue
        last_level = row['last_level'] or 0
        result.append(OverdueRow(
            id=row['id'], document_id=row['document_id'], number=row['number'],
            due_date=raw_values.day(row['due_date']), left=raw_values.money(row['amount'] - row['paid_amount']),
            client_id=row['client_id'], last_level=last_level,
            last_sent=raw_values.day(row['last_sent']) if row['last_sent'] else None,
            partly_paid=row['paid_amount'] != 0))
    return result


ROW_COLUMNS = ('i.id, i.document_id, i.number, i.due_date, i.amount, i.paid_amount, i.client_id, '
               's.level AS last_level, s.sent_on AS last_sent')


def overdue_sql(today: date, thresholds: dict[int, int], installment_ids: list[int] | None = None,
                client_ids: list[int] | None = None, *, sqlite: bool, select: str = ROW_COLUMNS,
                tail: str = 'ORDER BY i.due_date, i.id') -> tuple[str, list]:
    """The statement of the installments due for a new level: their `select` columns (the rows, or sums grouped
    by `tail`), only `installment_ids` or those of `client_ids` when given (ids, made integers here)."""
    params: list = []

    def mark(day: date) -> str:
        params.append(day.isoformat() if sqlite else day)
        return '?' if sqlite else f'${len(params)}'

    # Level 1 for an installment never reminded, else the level above the last one (as level_due decides). The
    # marks are made in the order they appear in the statement (SQLite's are positional).
    first = mark(today - timedelta(days=thresholds[rules.LEVELS[0]]))
    due_next = ['s.level IS NULL'] + [
        f'(s.level = {level} AND i.due_date <= {mark(today - timedelta(days=thresholds[level + 1]))} '
        f'AND s.sent_on <= {mark(today - timedelta(days=thresholds[level + 1] - thresholds[level]))})'
        for level in rules.LEVELS[:-1]]
    where_ids = ''
    for column, ids in (('i.id', installment_ids), ('i.client_id', client_ids)):
        if ids is not None:
            where_ids += f' AND {column} IN ({", ".join(str(int(i)) for i in ids) or "0"})'
    sql = (f'SELECT {select} '
           f'FROM installment i LEFT JOIN dunning_state s ON s.id = i.id '
           f"WHERE i.kind = 'installment' AND i.status = 'open' "
           f'AND i.due_date <= {first}{where_ids} '
           f'AND ({" OR ".join(due_next)}) {tail}')
    return sql, params




async def letters(installment_ids: list[int], today: date | None = None) -> list[Letter]:
    """The letters of the chosen installments, recomputed here (never taken from the page): per client and level."""
    today = today or date.today()
    config = await load_rules()
    company = await get_company()
    result = []
    styles: dict[int | None, TemplateStyle] = {}
    for group in await proposals(today, installment_ids=installment_ids):
        if group.template_id not in styles:  # the letters print with the font and colour of the dunning template
            styles[group.template_id] = style_of(await choose_template(None, group.template_id, 'dunning'), company)
        for level in sorted({line.level for line in group.lines}):
            lines = [line for line in group.lines if line.level == level]
            part = ClientGroup(client_id=group.client_id, name=group.name, email=group.email,
                               business=group.business, address=group.address, lines=lines)
            values = {'client': group.name, 'societe': company.name if company else '',
                      'total': format_eur(part.total), 'date': f'{today:%d/%m/%Y}', 'delai': str(config.notice_days),
                      'factures': ', '.join(dict.fromkeys(line.number for line in lines))}
            result.append(Letter(group=part, level=level, subject=rules.fill(config.levels[level].subject, values),
                                 text=rules.fill(config.levels[level].text, values),
                                 style=styles[group.template_id]))
    return result


async def record_letter(actor: Actor, letter: Letter, channel: str, today: date | None = None) -> int:
    """Record the reminders of a sent or printed letter; returns how many were recorded (0 if already recorded)."""
    if channel not in rules.CHANNELS:
        raise DomainError('Canal d’envoi inconnu.')
    today = today or date.today()
    ids = [line.installment_id for line in letter.group.lines]
    async with transaction():
        # Lock the installments: two runs recording the same letter wait for each other, the second finds it sent.
        # (`only`, not `values_list`: Tortoise drops FOR UPDATE from a values query; in id order, no deadlock.)
        await Installment.filter(id__in=ids).order_by('id').select_for_update().only('id')
        last = await dunning_state.last_levels(ids)
        fresh = [line for line in letter.group.lines if last.get(line.installment_id, (0,))[0] < letter.level]
        if not fresh:
            return 0
        await dunning_state.advance([line.installment_id for line in fresh], letter.level, today)
        await Reminder.bulk_create([Reminder(
            installment_id=line.installment_id, document_id=line.document_id, client_id=letter.group.client_id,
            level=letter.level, sent_on=today, channel=channel, days_late=line.days_late, principal=line.left,
            penalties=line.penalties or 0, indemnity=line.indemnity, user_id=actor.user_id, actor=actor.email)
            for line in fresh])
        await record('dunning.sent', actor, target=f'contact:{letter.group.client_id}', details={
            'level': letter.level, 'channel': channel, 'documents': sorted({line.document_id for line in fresh}),
            'installments': [line.installment_id for line in fresh], 'total': str(letter.group.total)})
    return len(fresh)


async def document_reminders(document_id: int) -> list[Reminder]:
    """An invoice's reminders, oldest first (its history)."""
    return await Reminder.filter(document_id=document_id).order_by('id')


# --- Exclusion of a client ---------------------------------------------------------------------------------------

async def is_excluded(contact_id: int) -> bool:
    return await DunningExclusion.filter(contact_id=contact_id).exists()


async def set_excluded(actor: Actor, contact_id: int, excluded: bool, reason: str = '') -> None:
    async with transaction():
        current = await DunningExclusion.get_or_none(contact_id=contact_id)
        if excluded and current is None:
            await DunningExclusion.create(contact_id=contact_id, reason=reason.strip()[:200])
        elif not excluded and current is not None:
            await current.delete()
        else:
            return
        await record('dunning.excluded' if excluded else 'dunning.included', actor, target=f'contact:{contact_id}',
                     details={'reason': reason.strip()[:200]} if excluded else {})


# --- Settings ----------------------------------------------------------------------------------------------------

async def save_levels(actor: Actor, values: dict[int, dict]) -> None:
    """`values[level]` = {'days': '15', 'subject': ..., 'text': ...}. Admin only."""
    require_admin(actor)
    cleaned = {}
    for level in rules.LEVELS:
        item = values[level]
        try:
            days = int(str(item.get('days', '')).strip())
        except ValueError:
            raise DomainError(f'Le délai du niveau {level} doit être un nombre de jours.') from None
        subject = ' '.join(str(item.get('subject') or '').split())[:255]
        text = str(item.get('text') or '').strip()[:5000]
        if not subject or not text:
            raise DomainError(f'L’objet et le texte du niveau {level} sont obligatoires.')
        cleaned[level] = {'days': days, 'subject': subject, 'text': text}
    try:
        rules.check_thresholds({level: item['days'] for level, item in cleaned.items()})
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    async with transaction():
        diff = {}
        for level, item in cleaned.items():
            row = await DunningLevel.get_or_none(level=level).select_for_update()
            before = {'days': row.days, 'subject': row.subject, 'text': row.text} if row else {}
            level_diff = changes(before, item)
            if not level_diff:
                continue
            diff[str(level)] = level_diff
            if row:
                await DunningLevel.filter(id=row.id).update(**item)
            else:
                await DunningLevel.create(level=level, **item)
        if diff:
            await record('settings.dunning', actor, target='dunning_levels', details=diff)


async def save_terms(actor: Actor, basis: str, fixed_rate: str, notice_days: str) -> DunningSettings:
    require_admin(actor)
    if basis not in rules.PENALTY_BASES:
        raise DomainError('Mode de calcul des pénalités inconnu.')
    rate = None
    if basis == 'fixed':
        rate = parse_decimal(fixed_rate, places=4, minimum=Decimal('0.0001'), maximum=Decimal(100),
                             label='Taux contractuel')
    try:
        notice = int(str(notice_days).strip())
    except ValueError:
        raise DomainError('Le délai de la mise en demeure doit être un nombre de jours.') from None
    if not 1 <= notice <= 90:
        raise DomainError('Le délai de la mise en demeure doit être compris entre 1 et 90 jours.')
    async with transaction():
        settings = await DunningSettings.get_or_none(id=SETTINGS_ID).select_for_update() \
            or await DunningSettings.create(id=SETTINGS_ID)
        after = {'penalty_basis': basis, 'fixed_rate': rate, 'notice_days': notice}
        diff = changes({key: getattr(settings, key) for key in after}, after)
        if diff:
            settings.update_from_dict(after)
            settings.version += 1
            await settings.save()
            await record('settings.dunning', actor, target='dunning_settings', details=diff)
    return settings


async def add_rate(actor: Actor, kind: str, valid_from: date | None, rate: str, source: str) -> ReferenceRate:
    require_admin(actor)
    if kind not in rules.RATE_KINDS:
        raise DomainError('Type de taux inconnu.')
    if valid_from is None:
        raise DomainError('Indiquez la date à partir de laquelle le taux s’applique.')
    value = parse_decimal(rate, places=4, minimum=Decimal(-5), maximum=Decimal(50), label='Taux')
    source = ' '.join(source.split())[:255]
    if not source:
        raise DomainError('Indiquez la source du taux (publication de la BCE, arrêté au Journal officiel…).')
    async with transaction():
        if await ReferenceRate.filter(kind=kind, valid_from=valid_from).exists():
            raise DomainError(f'Un taux de ce type existe déjà au {valid_from:%d/%m/%Y}.')
        row = await ReferenceRate.create(kind=kind, valid_from=valid_from, rate=value, source=source)
        await record('settings.rate_added', actor, target=f'reference_rate:{row.id}',
                     details={'kind': kind, 'valid_from': valid_from.isoformat(), 'rate': str(value), 'source': source})
    return row


async def delete_rate(actor: Actor, rate_id: int) -> None:
    require_admin(actor)
    async with transaction():
        row = await ReferenceRate.get_or_none(id=rate_id)
        if row is None:
            return
        await row.delete()
        await record('settings.rate_deleted', actor, target=f'reference_rate:{rate_id}',
                     details={'kind': row.kind, 'valid_from': row.valid_from.isoformat(), 'rate': str(row.rate)})


async def rate_rows() -> list[ReferenceRate]:
    return await ReferenceRate.all().order_by('kind', '-valid_from')


# --- Sending and printing ----------------------------------------------------------------------------------------

def letter_data(letter: Letter, company, config: Rules, today: date) -> dict:
    """The plain description of a letter (logic/render/letter.py renders it, in a worker for the PDF)."""
    group = letter.group
    rows = [[line.number, f'{line.due_date:%d/%m/%Y}', f'{line.days_late} j', format_eur(line.left),
             format_eur(line.penalties) if line.penalties is not None else '—', format_eur(line.indemnity)]
            for line in group.lines]
    seller_lines = []
    if company:
        seller_lines = [part for part in (company.address, company.address2,
                                          f'{company.postcode} {company.city}'.strip(),
                                          f'SIRET {company.siret}' if company.siret else '', company.email) if part]
    return {'level': letter.level, 'business': group.business, 'title': rules.LEVEL_LABELS[letter.level],
            'subject': letter.subject,
            'text': letter.text, 'date': f'{today:%d/%m/%Y}', 'rows': rows, 'total': format_eur(group.total),
            'seller': {'name': company.name if company else '', 'lines': seller_lines},
            'client': {'name': group.name, 'lines': group.address},
            'note': penalty_note(letter, config, today),
            'style': {'font': letter.style.font, 'primary': letter.style.primary_color}}


def penalty_note(letter: Letter, config: Rules, today: date) -> str:
    """What the amounts rest on: for a business, the rate(s) and the indemnity; for a consumer, the legal interest
    that a formal notice starts (C. civ. 1344-1), and nothing at the earlier levels."""
    if not letter.group.business:
        if letter.level == 3:
            return ('Des intérêts au taux légal courent sur les sommes dues à compter de la présente mise en demeure '
                    '(article 1344-1 du Code civil).')
        return ''
    used = sorted({period.rate for line in letter.group.lines if line.penalties is not None
                   for period in rules.penalty_periods(line.left, line.due_date, today, config.rates, config.terms,
                                                       paid_late=line.paid_late)})
    rates = f' ({", ".join(f"{rate.normalize():f} %".replace(".", ",") for rate in used)})' if used else ''
    return (f'Pénalités de retard exigibles de plein droit dès le lendemain de l’échéance (article L441-10 du Code de '
            f'commerce), calculées jusqu’au {today:%d/%m/%Y} au taux applicable à chaque semestre{rates} : '
            f'montant × taux × jours / 365. Indemnité forfaitaire pour frais de recouvrement : 40 € par facture en '
            f'retard (article D441-5 du Code de commerce).')


async def send_letters(actor: Actor, chosen: list[Letter], *, secret: str,
                       today: date | None = None) -> AsyncIterator[tuple[Letter, str]]:
    """Send each letter to its client's e-mail and record its reminders once it is sent; yields (letter, French
    error or '') after each one, so that a caller may stop between two letters (a job's Arrêter):

        async with aclosing(send_letters(actor, letters, secret=secret)) as run:
            async for letter, error in run: ...

    A letter under way when the task is cancelled (the job worker stopping) is finished, sent and recorded, before
    the cancellation goes on: a letter that went out is never left unrecorded, to be sent again by the next run."""
    from db import mailer  # noqa: PLC0415 - the SMTP stack only where it is used

    today = today or date.today()
    config = await load_rules()
    company = await get_company()
    settings = await mailer.get_settings()
    for letter in chosen:
        step = asyncio.ensure_future(_send_one(actor, letter, settings, company, config, secret, today))
        try:
            error = await asyncio.shield(step)
        except asyncio.CancelledError:
            await step
            raise
        yield letter, error


async def _send_one(actor: Actor, letter: Letter, settings, company, config: Rules, secret: str, today: date) -> str:
    from db import mailer  # noqa: PLC0415
    from logic.render.letter import letter_mail_text  # noqa: PLC0415

    try:
        if not letter.group.email:
            raise DomainError('pas d’adresse e-mail')
        data = letter_data(letter, company, config, today)
        await mailer.send_document(actor, settings, letter.group.email, letter.subject, letter_mail_text(data), [],
                                   secret=secret, document_id=letter.group.lines[0].document_id,
                                   document_label=f'Relance niveau {letter.level} — {letter.group.name}')
    except DomainError as exc:
        return f'{letter.group.name} : {exc}'
    await record_letter(actor, letter, 'email', today)
    return ''


async def print_letters(chosen: list[Letter], path, *, run, today: date | None = None, progress=None) -> int:
    """One PDF of the letters at `path`, one letter after the other (rendered one by one through `run`, then merged);
    nothing is recorded here: the caller records the letters (`record_letters`) once the PDF is complete."""
    from pypdf import PdfReader, PdfWriter  # noqa: PLC0415

    from logic.render.letter import render_letters_pdf  # noqa: PLC0415

    today = today or date.today()
    config = await load_rules()
    company = await get_company()
    writer = PdfWriter()
    for index, letter in enumerate(chosen, start=1):
        data = await run(render_letters_pdf, [letter_data(letter, company, config, today)])
        # Parsing and appending a letter takes milliseconds of CPU each: off the event loop.
        await asyncio.to_thread(lambda data=data: writer.append(PdfReader(io.BytesIO(data))))
        if progress:
            progress(index)
    writer.add_metadata({'/Title': f'Relances ({len(chosen)} lettres)', '/Producer': 'Facturier'})
    await asyncio.to_thread(_write, writer, path)
    return len(chosen)


async def record_letters(actor: Actor, chosen: list[Letter], channel: str, today: date | None = None) -> int:
    """Record printed letters (`record_letter` each, in its own short transaction); returns the reminders recorded."""
    today = today or date.today()
    return sum([await record_letter(actor, letter, channel, today) for letter in chosen])


def _write(writer, path) -> None:
    with open(path, 'wb') as handle:
        writer.write(handle)
    writer.close()
