"""SEPA Core direct debits (PA5): mandates, collections and what the bank answers. The public API pages and CLI call.

- `add_mandate(actor, contact_id, ...)`, `revoke_mandate(actor, mandate_id)`, `contact_mandates(contact_id)`.
- `due_for_collection(due_by)` -> `Due`: the open installments of invoices paid by direct debit due by a date,
  split into those a usable mandate covers (with the sequence type each would get) and those of clients without.
- `build_collection(actor, due_by=..., collection_date=..., version=...)` -> `Collection`: the pain.008 file is
  built and validated against its XSD first (outside any transaction), then ONE transaction re-checks each
  installment (still open, same version) and each mandate's history, stores the file and its items and marks the
  installments 'debited' ("Prélevée"). The unique `live_installment_id` refuses a second live debit of an
  installment: of two simultaneous builds, the second fails with a French message and changes nothing.
- `confirm_collection(actor, collection_id, paid_on=..., secret=...)`: the bank paid; each debited item is settled
  through db/payments.py (method 'direct_debit', reference = its end-to-end id), the invoice becoming 'paid' there.
- `reject_item(actor, item_id, reason=..., secret=...)`: the bank returned it (an R-code); the installment is open
  again (a settled one is first cancelled through db/payments.py: a reversal in the journal).
"""
import asyncio
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tortoise import connections
from tortoise.exceptions import IntegrityError

from db import changes, payments, raw_values
from db.actor import Actor, require_admin
from db.audit import record
from db.company import Company, PaymentMethod
from db.contact import Contact, display_name
from db.document import Document, Installment
from db.mandate import Collection, CollectionItem, Mandate, SepaSettings
from db.unit_of_work import transaction
from logic import sepa
from logic.sepa import Creditor, Debit, SepaError
from logic.snapshot import DocumentSnapshot, with_direct_debit

LIVE = ('debited', 'settled')
CHUNK = 500  # ids per IN list


@dataclass(kw_only=True, slots=True)
class MandateRow:
    """What a collection reads of a mandate: plain values, not a model (2,500 models took 30-90 ms to build)."""
    id: int
    contact_id: int
    reference: str
    signed_on: date
    kind: str
    status: str
    debtor_name: str
    iban: str
    bic: str
    last_used_on: date | None


@dataclass(kw_only=True, slots=True)
class DueRow:
    installment_id: int
    version: int
    document_id: int
    number: str
    client_id: int | None
    client_name: str
    due_date: date
    amount: Decimal
    label: str = ''
    mandate: MandateRow | None = None
    sequence: str = ''


@dataclass(kw_only=True, slots=True)
class Due:
    collectable: list[DueRow] = field(default_factory=list)
    missing: list[DueRow] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.collectable), Decimal('0.00'))


async def settings() -> SepaSettings:
    return await SepaSettings.first() or await SepaSettings.create()


async def save_settings(actor: Actor, *, prenotification_days: int, version: str) -> SepaSettings:
    require_admin(actor)
    if version not in sepa.VERSIONS:
        raise SepaError('Choisissez la version du format pain.008 demandée par votre banque.')
    if not 1 <= int(prenotification_days) <= 60:
        raise SepaError('Le délai de pré-notification compte de 1 à 60 jours.')
    async with transaction():
        row = await settings()
        row.prenotification_days, row.version = int(prenotification_days), version
        await row.save()
        await record('sepa.settings', actor, details={'prenotification_days': row.prenotification_days,
                                                      'version': version})
    return row


async def add_mandate(actor: Actor, contact_id: int, *, reference: str, signed_on: date | None, kind: str,
                      iban: str, bic: str = '', debtor_name: str = '') -> Mandate:
    reference = sepa.check_rum(reference)
    sepa.check_signature_date(signed_on, today=date.today())
    if kind not in ('recurrent', 'one_off'):
        raise SepaError('Choisissez le type du mandat : récurrent ou ponctuel.')
    iban, bic = sepa.check_mandate_account(iban, bic)
    contact = await Contact.get_or_none(id=contact_id)
    if contact is None:
        raise SepaError('Contact introuvable.')
    name = (debtor_name or '').strip() or ' '.join(part for part in (contact.first_name, contact.name) if part)
    async with transaction():
        if await Mandate.filter(reference=reference).exists():
            raise SepaError(f'La référence de mandat {reference} est déjà utilisée : une RUM est unique.')
        mandate = await Mandate.create(contact_id=contact_id, reference=reference, signed_on=signed_on, kind=kind,
                                       iban=iban, bic=bic, debtor_name=name[:140])
        await record('sepa.mandate.add', actor, target=f'contact:{contact_id}',
                     details={'reference': reference, 'kind': kind, 'signed_on': signed_on.isoformat()})
    return mandate


async def revoke_mandate(actor: Actor, mandate_id: int) -> None:
    async with transaction():
        mandate = await Mandate.filter(id=mandate_id).select_for_update().first()
        if mandate is None:
            raise SepaError('Mandat introuvable.')
        if mandate.status != 'active':
            raise SepaError('Ce mandat n’est plus actif.')
        mandate.status = 'revoked'
        await mandate.save(update_fields=['status'])
        await record('sepa.mandate.revoke', actor, target=f'contact:{mandate.contact_id}',
                     details={'reference': mandate.reference})


def state_of(mandate: Mandate | MandateRow, today: date | None = None) -> str:
    return sepa.mandate_state(mandate.status, mandate.kind, mandate.signed_on, mandate.last_used_on,
                              today=today or date.today())


async def contact_mandates(contact_id: int) -> list[Mandate]:
    return await Mandate.filter(contact_id=contact_id).order_by('-signed_on', '-id')


async def usable_mandate(contact_id: int, today: date | None = None) -> Mandate | None:
    """The contact's usable mandate (active, not lapsed), the most recently signed."""
    for mandate in await Mandate.filter(contact_id=contact_id, status='active').order_by('-signed_on', '-id'):
        if state_of(mandate, today) == 'active':
            return mandate
    return None


@dataclass(kw_only=True, slots=True)
class DueSummary:
    """What the "Nouveau prélèvement" dialog shows: the count and total of every collectable installment, the first
    `shown` of them with their sequence type, and the clients without a usable mandate (name, id), by name."""
    count: int = 0
    total: Decimal = Decimal('0.00')
    rows: list[DueRow] = field(default_factory=list)
    missing: list[tuple[str, int | None]] = field(default_factory=list)


async def due_for_collection(due_by: date, *, installment_ids: list[int] | None = None,
                             final_mandate_ids: frozenset[int] = frozenset(), limit: int | None = None) -> Due:
    """Open installments of invoices paid by direct debit, due by `due_by`, in due-date order: every one of them
    (`limit`, the first ones only, serves the demo's monthly collections).

    Raw SQL read as plain values (db/raw_values.py): through the ORM, parsing the dates and amounts of 5,000 rows
    and 2,500 mandates was most of the dialog's 90-170 ms at 100,000 invoices."""
    client, methods = connections.get('default'), await _debit_methods()
    if not methods:
        return Due()
    sql, params = _due_sql(methods, due_by, ROW_COLUMNS, installment_ids=installment_ids,
                           tail='ORDER BY i.due_date, i.id' + ('' if limit is None else f' LIMIT {int(limit)}'))
    _, rows = await client.execute_query(sql, params)
    mandates = await _usable_mandates({row[4] for row in rows if row[4]})
    due = Due()
    for item in map(_due_row, rows):
        (due.missing if item.client_id not in mandates else due.collectable).append(item)
    await _sequences(due.collectable, mandates, final_mandate_ids)
    return due


async def due_summary(due_by: date, *, shown: int = 200) -> DueSummary:
    """The dialog's view of `due_for_collection(due_by)` without reading every row: the installments summed by client
    in SQL (from the index (document_id, ..., paid_amount) alone, migration documents/0016), the clients' mandates,
    then the first `shown` collectable rows."""
    client, methods = connections.get('default'), await _debit_methods()
    if not methods:
        return DueSummary()
    sql, params = _due_sql(methods, due_by, 'i.client_id, COUNT(*), SUM(i.amount - i.paid_amount)',
                           tail='GROUP BY i.client_id')
    _, groups = await client.execute_query(sql, params)
    mandates = await _usable_mandates({client_id for client_id, *_ in groups if client_id})
    summary = DueSummary()
    lacking = []
    for client_id, count, cents in groups:
        if client_id in mandates:
            summary.count += count
            summary.total += raw_values.money(cents)
        else:
            lacking.append(client_id)
    summary.missing = sorted(await _client_names(methods, due_by, lacking),
                             key=lambda named: (named[0], named[1] or 0))
    if summary.count:
        ids = ', '.join(str(int(client_id)) for client_id in mandates)
        sql, params = _due_sql(methods, due_by, ROW_COLUMNS, tail=f'AND i.client_id IN ({ids}) '
                                                                  f'ORDER BY i.due_date, i.id LIMIT {int(shown)}')
        _, rows = await client.execute_query(sql, params)
        summary.rows = [_due_row(row) for row in rows]
        await _sequences(summary.rows, mandates)
    return summary


ROW_COLUMNS = ('i.id, i.version, i.document_id, i.number, i.client_id, i.client_name, i.due_date, i.amount, '
               'i.paid_amount, i.label')


async def _client_names(methods: list[int], due_by: date,
                        client_ids: list[int | None]) -> list[tuple[str, int | None]]:
    """(name, id) of the clients given (their contact's name), and of installments without a client (their own)."""
    client, names = connections.get('default'), []
    known = sorted(client_id for client_id in client_ids if client_id)
    for start in range(0, len(known), CHUNK):
        _, rows = await client.execute_query(
            'SELECT id, name, first_name, is_company FROM contact WHERE id IN '
            f'({", ".join(str(int(client_id)) for client_id in known[start:start + CHUNK])})')
        names += [(display_name(name, first_name, is_company), client_id)
                  for client_id, name, first_name, is_company in rows]
    if None in client_ids:
        sql, params = _due_sql(methods, due_by, 'DISTINCT i.client_name', tail='AND i.client_id IS NULL')
        names += [(name, None) for (name,) in (await client.execute_query(sql, params))[1]]
    return names


async def _debit_methods() -> list[int]:
    """The payment methods that debit (kind 'direct_debit')."""
    return [int(method) for method in await PaymentMethod.filter(kind='direct_debit').values_list('id', flat=True)]


def _due_sql(methods: list[int], due_by: date, select: str, *, tail: str,
             installment_ids: list[int] | None = None) -> tuple[str, list]:
    """The statement of the open installments of invoices paid by direct debit (`methods`, not empty) due by
    `due_by`. The documents paid by direct debit are read from an index (document: payment_method_id,
    id), then their installments from (document_id, ...): not a lookup of each open installment's document. On
    SQLite the CROSS JOIN keeps that order and the unary `+` keeps the installments' other indexes out of the plan,
    statistics or not (9 ms at 100,000 invoices, against 20-55 ms from the due-date side); PostgreSQL plans it as
    any join."""
    sqlite = connections.get('default').capabilities.dialect == 'sqlite'
    ids = '' if installment_ids is None else \
        f' AND i.id IN ({", ".join(str(int(i)) for i in installment_ids) or "0"})'
    plus = '+' if sqlite else ''
    return (f'SELECT {select} FROM document d CROSS JOIN installment i '
            f'WHERE d.payment_method_id IN ({", ".join(map(str, methods))}) AND i.document_id = d.id '
            f"AND {plus}i.kind = 'installment' AND {plus}i.status = 'open' "
            f'AND {plus}i.due_date <= {"?" if sqlite else "$1"}{ids} {tail}',
            [due_by.isoformat() if sqlite else due_by])


def _due_row(row) -> DueRow:
    installment_id, version, document_id, number, client_id, client_name, due_date, amount, paid, label = row
    return DueRow(installment_id=installment_id, version=version, document_id=document_id, number=number,
                  client_id=client_id, client_name=client_name, due_date=raw_values.day(due_date),
                  amount=raw_values.money(amount - paid), label=label)


async def _sequences(rows: list[DueRow], mandates: dict[int, MandateRow],
                     final_mandate_ids: frozenset[int] = frozenset()) -> None:
    """Each row's mandate and sequence type (FRST until a mandate has a live debit, then RCUR; FNAL when asked)."""
    mandate_ids = sorted({mandates[row.client_id].id for row in rows})
    used = set()
    for start in range(0, len(mandate_ids), CHUNK):
        used.update(await CollectionItem.filter(mandate_id__in=mandate_ids[start:start + CHUNK], status__in=LIVE)
                    .distinct().values_list('mandate_id', flat=True))
    for row in rows:
        row.mandate = mandate = mandates[row.client_id]
        row.sequence = sepa.sequence_type(mandate.kind, used_before=mandate.id in used,
                                          final=mandate.id in final_mandate_ids)


async def _usable_mandates(contact_ids: set[int]) -> dict[int, MandateRow]:
    """Each contact's usable mandate (active, not lapsed), the most recently signed, read as plain values."""
    client, today, found = connections.get('default'), date.today(), {}
    ids = sorted(contact_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ', '.join(str(int(contact_id)) for contact_id in ids[start:start + CHUNK])
        _, rows = await client.execute_query(
            f'SELECT {", ".join(MandateRow.__slots__)} FROM mandate WHERE contact_id IN ({chunk}) '
            "AND status = 'active' ORDER BY signed_on, id")
        for row in rows:
            values = dict(zip(MandateRow.__slots__, row))
            values['signed_on'] = raw_values.day(values['signed_on'])
            values['last_used_on'] = raw_values.day(values['last_used_on']) if values['last_used_on'] else None
            mandate = MandateRow(**values)
            if state_of(mandate, today) == 'active':
                found[mandate.contact_id] = mandate  # the most recently signed wins
    return found


async def build_collection(actor: Actor, *, due_by: date, collection_date: date, version: str | None = None,
                           installment_ids: list[int] | None = None,
                           final_mandate_ids: frozenset[int] = frozenset(), limit: int | None = None,
                           today: date | None = None) -> Collection:
    """`today` and `limit` serve the demo, which replays past months (db/demo_sepa.py)."""
    options = await settings()
    version = version or options.version
    if version not in sepa.VERSIONS:
        raise SepaError('Version pain.008 inconnue : 002 ou 008.')
    sepa.check_collection_date(collection_date, today=today or date.today(),
                               prenotification_days=options.prenotification_days)
    creditor = await _creditor()
    due = await due_for_collection(due_by, installment_ids=installment_ids, final_mandate_ids=final_mandate_ids,
                                   limit=limit)
    if not due.collectable:
        raise SepaError(f'Aucune échéance à prélever au {due_by:%d/%m/%Y}.')
    attempts = await _attempts([row.installment_id for row in due.collectable])
    debits = [Debit(end_to_end_id=f'E{row.installment_id}-{attempts.get(row.installment_id, 0) + 1}',
                    amount=row.amount, sequence=row.sequence, mandate_reference=row.mandate.reference,
                    mandate_signed_on=row.mandate.signed_on, debtor_name=row.mandate.debtor_name,
                    iban=row.mandate.iban, bic=row.mandate.bic, description=_description(row))
              for row in due.collectable]
    # Building and XSD-checking a file of thousands of debits takes a while: off the event loop.
    content = await asyncio.to_thread(sepa.build_pain008, creditor, debits, collection_date=collection_date,
                                      version=version)
    try:
        async with transaction():
            collection = await Collection.create(
                collection_date=collection_date, version=version, total=due.total, count=len(debits),
                fingerprint=sepa.fingerprint(content), content=content.decode(), created_by_id=actor.user_id)
            await _store_items(collection, due, debits, collection_date)
            await record('sepa.collection', actor, target=f'collection:{collection.id}',
                         details={'count': len(debits), 'total': str(due.total), 'version': version,
                                  'collection_date': collection_date.isoformat(),
                                  'fingerprint': collection.fingerprint})
    except IntegrityError as exc:
        raise SepaError('Une autre remise de prélèvement vient de prendre certaines de ces échéances : '
                        'recommencez.') from exc
    _publish({row.document_id for row in due.collectable})
    return collection


async def confirm_collection(actor: Actor, collection_id: int, *, paid_on: date, secret: str | bytes) -> int:
    """Settle each item still debited; returns how many were settled."""
    settled, documents = 0, set()
    async with transaction():
        collection = await Collection.filter(id=collection_id).select_for_update().first()
        if collection is None:
            raise SepaError('Remise introuvable.')
        items = await CollectionItem.filter(collection_id=collection_id, status='debited').order_by('id')
        if not items:
            raise SepaError('Cette remise n’a plus de prélèvement en attente de confirmation.')
        for item in items:
            installment = await _lock_debited(item)
            documents.add(installment.document_id)
            installment.status = 'open'  # the settlement below is what takes it to 'paid'
            await payments.settle_in_transaction(actor, installment, paid_on=paid_on, method='direct_debit',
                                                 amount=item.amount, reference=item.end_to_end_id, secret=secret)
            item.status = 'settled'
            await item.save(update_fields=['status'])
            settled += 1
        collection.state = 'closed'
        await collection.save(update_fields=['state'])
        await record('sepa.confirm', actor, target=f'collection:{collection_id}',
                     details={'settled': settled, 'paid_on': paid_on.isoformat()})
    _publish(documents)
    return settled


async def reject_item(actor: Actor, item_id: int, *, reason: str, secret: str | bytes) -> None:
    code = sepa.check_reason(reason)
    item = await CollectionItem.get_or_none(id=item_id)
    if item is None:
        raise SepaError('Prélèvement introuvable.')
    if item.status == 'rejected':
        raise SepaError('Ce prélèvement est déjà rejeté.')
    document_id = (await Installment.filter(id=item.installment_id).values_list('document_id', flat=True))[0]
    async with transaction():
        if item.status == 'settled':  # returned after it was booked: the settlement is reversed in the journal
            await payments.cancel_settlement(actor, item.installment_id, secret=secret,
                                             reason=f'Prélèvement rejeté {code}')
        else:
            installment = await _lock_debited(item)
            installment.status = 'open'
            installment.version += 1
            await installment.save(update_fields=['status', 'version'])
        await CollectionItem.filter(id=item.id).update(status='rejected', reason=code, live_installment_id=None)
        await record('sepa.reject', actor, target=f'installment:{item.installment_id}',
                     details={'end_to_end_id': item.end_to_end_id, 'reason': code,
                              'label': sepa.REJECT_REASONS[code]})
    _publish({document_id})


async def list_collections(offset: int = 0, limit: int = 25) -> tuple[list[dict], int]:
    rows = await Collection.all().order_by('-created_at', '-id').offset(offset).limit(limit).values(
        'id', 'created_at', 'collection_date', 'version', 'state', 'total', 'count')
    return rows, await Collection.all().count()


async def collection_items(collection_id: int) -> list[CollectionItem]:
    return await CollectionItem.filter(collection_id=collection_id).order_by('id')


async def _creditor() -> Creditor:
    company = await Company.first()
    if company is None:
        raise SepaError('Renseignez d’abord l’entreprise.')
    ics = sepa.check_ics(company.ics)
    if not company.iban:
        raise SepaError('Indiquez l’IBAN de votre compte dans les paramètres de l’entreprise.')
    return Creditor(name=company.name, iban=company.iban, bic=company.bic, ics=ics)


async def _attempts(installment_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for installment_id in await CollectionItem.filter(installment_id__in=installment_ids).values_list(
            'installment_id', flat=True):
        counts[installment_id] = counts.get(installment_id, 0) + 1
    return counts


async def _store_items(collection: Collection, due: Due, debits: list[Debit], collection_date: date) -> None:
    """Re-check what the file was built from, under lock, then record it (inside the caller's transaction)."""
    stale = SepaError('Ces échéances ont changé pendant la préparation du fichier : recommencez.')
    mandates = {row.mandate.id: row.mandate for row in due.collectable}
    for mandate_id in sorted(mandates):
        mandate = await Mandate.filter(id=mandate_id).select_for_update().first()
        used = await CollectionItem.filter(mandate_id=mandate_id, status__in=LIVE).exists()
        expected = next(row.sequence for row in due.collectable if row.mandate.id == mandate_id)
        if state_of(mandate) != 'active' or sepa.sequence_type(
                mandate.kind, used_before=used, final=expected == 'FNAL') != expected:
            raise stale
        mandate.last_used_on = collection_date
        if expected == 'FNAL':
            mandate.status = 'closed'
        await mandate.save(update_fields=['last_used_on', 'status'])
    for row, debit in zip(due.collectable, debits):
        installment = await Installment.filter(id=row.installment_id).select_for_update().first()
        if installment is None or installment.status != 'open' or installment.version != row.version:
            raise stale
        await CollectionItem.create(collection_id=collection.id, installment_id=row.installment_id,
                                    mandate_id=row.mandate.id, live_installment_id=row.installment_id,
                                    amount=row.amount, sequence=debit.sequence, end_to_end_id=debit.end_to_end_id,
                                    number=row.number, client_name=row.client_name)
        installment.status = 'debited'
        installment.version += 1
        await installment.save(update_fields=['status', 'version'])


async def _lock_debited(item: CollectionItem) -> Installment:
    await Document.filter(id=(await Installment.get(id=item.installment_id)).document_id).select_for_update()
    installment = await Installment.filter(id=item.installment_id).select_for_update().first()
    if installment.status != 'debited':
        raise SepaError(f'L’échéance {installment.number} n’est plus en cours de prélèvement.')
    return installment


def _description(row: DueRow) -> str:
    return f'Facture {row.number}' + (f' {row.label}' if row.label else '')


def _publish(document_ids: set[int]) -> None:
    for document_id in document_ids:
        changes.publish(changes.DOCUMENTS, document_id)
        changes.publish(payments.PAYMENTS, document_id)


async def debit_terms(contact_ids, company: Company) -> dict[int, dict]:
    """What an invoice paid by direct debit states for each of these clients (BT-89/90/91, the PDF's notice): its
    usable mandate and our ICS. Clients without a usable mandate, or no valid ICS: nothing (plain means 59)."""
    try:
        ics = sepa.check_ics(company.ics)
    except SepaError:
        return {}
    wanted, today, terms = set(contact_ids), date.today(), {}
    query = Mandate.filter(status='active')
    if len(wanted) <= 500:  # a bulk validation asks for thousands: then all active mandates, fewer than clients
        query = query.filter(contact_id__in=wanted)
    for mandate in await query.order_by('signed_on', 'id'):
        if mandate.contact_id in wanted and state_of(mandate, today) == 'active':  # the last signed wins
            terms[mandate.contact_id] = {'mandate': mandate.reference, 'creditor_id': ics, 'iban': mandate.iban}
    return terms


async def with_mandate(snapshot: DocumentSnapshot, contact_id: int | None, company: Company) -> DocumentSnapshot:
    if snapshot.payment_means != '59' or not contact_id:
        return snapshot
    return with_direct_debit(snapshot, (await debit_terms([contact_id], company)).get(contact_id))
