"""Closings of periods (AC3, docs/legal.md 2.6): make them, propose the due ones, refuse what falls in a closed
period, and check them against the chains.

    due = await due_periods()                          # months (then fiscal years) over and not closed, oldest first
    closing = await close(actor, due[0], secret=secret)
    await check_open([paid_on], 'enregistrer un règlement')   # DomainError in French when the day is closed

A closing is made in one transaction: it takes the locks of the chained series (the counter rows their writers
bump first), so that a payment or an issuing in flight either commits before it (and is counted) or waits and then
sees the closing (and is refused: the writers call `check_open` after taking their lock). Months are closed in
order, from the first month of the fiscal year of the first activity; a fiscal year once all its months are (its
missing months are closed first, in the same transaction). Only periods that are over can be closed.

`verify_closings(secret)` (run by db/integrity.py: the page and `main.py verify`) checks every closing: its own
chain and fingerprint, the heads of the chains it recorded against the chains now (a chain recomputed with the
secret after the closing no longer holds the recorded head), and its totals against the rows now.
`compare_payload(payload)` does the same for a closing read from a report or an archive (`main.py verify
--closing-report FILE`): the fingerprint that left the machine is what a re-sealed database can't match.
"""
import hmac
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise import connections

from db.actor import Actor
from db.audit import record
from db.closing import Closing, ClosingSettings
from db.document import ChainEntry, Document, NumberCounter, Payment
from db.numbering import WRITERS_LOCK, bump_counter
from db.settings import get_company, get_options, save_options
from db.unit_of_work import transaction
from logic import closing as rules
from logic import doctypes
from logic.archive import check_signature, public_key_text, sign
from logic.closing import MONTH, YEAR, Period
from logic.errors import DomainError
from logic.integrity import GENESIS, canonical, chain_hash, secret_key
from logic.render.closing_report import render_report_pdf, report_job

CHAIN_COUNTER = 'closing_chain'
LABEL = 'Clôtures de périodes'
MAX_EMAIL = 254


class ClosedPeriod(DomainError):
    """What was asked falls in a closed period."""


# --- settings -----------------------------------------------------------------------------------------------------


async def get_settings() -> ClosingSettings:
    settings = await ClosingSettings.filter(id=1).first()
    return settings or await ClosingSettings.create(id=1)


async def fiscal_start() -> int:
    """The first month of the fiscal year: the company's option (db/settings.py refuses to change it once a fiscal
    year is closed)."""
    return (await get_options()).fiscal_year_start


async def save_settings(actor: Actor, *, accountant_email: str) -> ClosingSettings:
    from db.mailer import parse_recipients

    email = (accountant_email or '').strip()
    if email:
        if len(email) > MAX_EMAIL:
            raise DomainError('L’adresse e-mail du comptable est trop longue.')
        parse_recipients(email)
    async with transaction():
        settings = await get_settings()
        before = settings.accountant_email
        settings.accountant_email = email
        await settings.save()
        await record('closing.settings', actor, target='closing_settings', details={
            'before': before, 'after': email})
    return settings


# --- the closed-period check --------------------------------------------------------------------------------------


async def closed_until() -> date | None:
    """The last day closed (months are closed in order): every day up to it is closed."""
    last = await Closing.all().order_by('-period_end').first()
    return last.period_end if last else None


async def check_open(days: Iterable[date], action: str) -> None:
    """Refuse (ClosedPeriod, in French) when one of `days` is in a closed period. Call it after taking the lock of
    the series written (see the module's docstring)."""
    days = [day for day in days if day is not None]
    if not days:
        return
    until = await closed_until()
    if until is None or min(days) > until:
        return
    day = min(days)
    closing = await Closing.filter(period_start__lte=day, period_end__gte=day, kind=MONTH).first()
    period = f' ({closing.label})' if closing else ''
    raise ClosedPeriod(f'Le {day:%d/%m/%Y} est dans une période clôturée{period} : impossible de {action} à cette '
                       f'date. Les périodes sont clôturées jusqu’au {until:%d/%m/%Y} ; datez-le après.')


# --- due periods and closing ----------------------------------------------------------------------------------------


async def first_activity() -> date | None:
    """The date of the first legal document or payment, None when there is none."""
    first_doc = await _legal_documents().order_by('issue_date').limit(1).values_list('issue_date', flat=True)
    first_payment = await Payment.all().order_by('paid_on').limit(1).values_list('paid_on', flat=True)
    days = [*first_doc, *first_payment]
    return min(days) if days else None


async def due_periods(today: date | None = None) -> list[Period]:
    closed_years = set(await Closing.filter(kind=YEAR).values_list('period_start', flat=True))
    return rules.due_periods(await first_activity(), await closed_until(), closed_years,
                             today=today or date.today(), start_month=await fiscal_start())


async def period_of(kind: str, key: str) -> Period:
    """'month', '2026-11' or 'year', '2026' -> the Period (the fiscal year that ends in 2026), or a French refusal."""
    try:
        if kind == MONTH:
            year, number = (int(part) for part in key.split('-'))
            return rules.month(year, number)
        return rules.fiscal_year(int(key), await fiscal_start())
    except ValueError:
        raise DomainError(f'Période invalide « {key} » (attendu : AAAA-MM pour un mois, AAAA pour un '
                          'exercice).') from None


async def close(actor: Actor, period: Period, *, secret: str | bytes, today: date | None = None) -> list[Closing]:
    """Close `period` (a month, or a fiscal year with the months it still needs), in one transaction; the closings
    made, in order."""
    today = today or date.today()
    if period.end >= today:
        raise DomainError(f'{period.label} n’est pas terminé : seule une période passée se clôture.')
    async with transaction():
        await _lock_writers()
        due = await due_periods(today)
        if not any(item == period for item in due):
            if await Closing.filter(kind=period.kind, period_start=period.start).exists():
                raise DomainError(f'{period.label} est déjà clôturé.')
            first = next((item for item in due if item.kind == MONTH), None)
            raise DomainError(f'{period.label} ne peut pas être clôturé maintenant : les mois se clôturent dans '
                              f'l’ordre{f", à commencer par {first.label}" if first else ""}.')
        wanted = [item for item in due if item.kind == MONTH and item.end <= period.end] if period.kind == YEAR \
            else []
        if period.kind == MONTH and due[0] != period:
            raise DomainError(f'Clôturez d’abord {due[0].label} : les mois se clôturent dans l’ordre.')
        made = [await _close_one(actor, item, secret) for item in [*wanted, period]]
    return made


async def close_due(actor: Actor, *, secret: str | bytes, today: date | None = None) -> list[Closing]:
    """Every period due, in order (the demo, a scheduled job)."""
    made: list[Closing] = []
    for period in await due_periods(today):
        if period.kind == YEAR and await Closing.filter(kind=YEAR, period_start=period.start).exists():
            continue
        if period.kind == MONTH and await Closing.filter(kind=MONTH, period_start=period.start).exists():
            continue
        made += await close(actor, period, secret=secret, today=today)
    return made


async def preview(period: Period) -> dict:
    """The totals the closing of `period` would record (nothing written)."""
    return await period_totals(period)


async def _close_one(actor: Actor, period: Period, secret: str | bytes) -> Closing:
    position = await bump_counter(CHAIN_COUNTER, '')
    previous = await Closing.filter(position=position - 1).first() if position > 1 else None
    totals = await period_totals(period)
    if period.kind == MONTH:
        last_month = await Closing.filter(kind=MONTH).order_by('-position').first()
        perpetual = rules.perpetual_after(last_month.payload['perpetual'] if last_month else None, totals)
    else:
        last_month = await Closing.get(kind=MONTH, period_end=period.end)
        perpetual = last_month.payload['perpetual']
    company = await get_company()
    now = datetime.now(UTC)
    payload = rules.payload(
        period=period, totals=totals, perpetual=perpetual, chains=await chain_heads(),
        states=await states_head(), previous_fingerprint=previous.fingerprint if previous else GENESIS,
        company={'name': company.name if company else '', 'siren': getattr(company, 'siren', '') or ''},
        public_key=public_key_text(secret), closed_at=now.isoformat(timespec='seconds'),
        closed_by=actor.name or actor.email)
    previous_hash = previous.hash if previous else GENESIS
    closing = await Closing.create(
        position=position, kind=period.kind, period_start=period.start, period_end=period.end, label=period.label,
        payload=payload, perpetual_total=Decimal(perpetual['total_ttc']), fingerprint=rules.fingerprint(payload),
        previous_hash=previous_hash, hash=chain_hash(secret_key(secret), previous_hash, payload),
        created_by_id=actor.user_id, created_by_name=actor.name or actor.email)
    await record('closing.create', actor, target=f'closing:{closing.id}', details={
        'label': period.label, 'kind': period.kind, 'start': period.start.isoformat(),
        'end': period.end.isoformat(), 'fingerprint': closing.fingerprint})
    return closing


async def _lock_writers() -> None:
    """The writers' lock, alone (`db.numbering.share_writers_lock`: every writer of a chained series takes its share
    when it bumps a counter, before `check_open`). PostgreSQL only: SQLite serialises writers anyway.

    Row locks on the counter rows were used before, and held nothing: Tortoise drops FOR UPDATE from a
    `values_list` query, and a counter row created after the closing began (a new period's first number) was never
    locked."""
    connection = connections.get('default')
    if connection.capabilities.dialect == 'postgres':
        await connection.execute_query('SELECT pg_advisory_xact_lock($1)', [WRITERS_LOCK])


# --- what a closing records ---------------------------------------------------------------------------------------


def _legal_documents():
    return Document.filter(doc_type__in=doctypes.keys(legal=True), number__not_isnull=True,
                           issue_date__not_isnull=True).exclude(state='draft')


async def period_totals(period: Period) -> dict:
    """The totals of the documents issued and the payments dated in `period`, from the rows as they are now."""
    client = connections.get('default')
    sqlite = client.capabilities.dialect == 'sqlite'
    vat = "json_extract(snapshot, '$.vat_lines')" if sqlite else "(snapshot->'vat_lines')::text"
    types = ', '.join(f"'{key}'" for key in doctypes.keys(legal=True))
    marks = ('?', '?') if sqlite else ('$1', '$2')
    rows = await client.execute_query_dict(
        f'SELECT doc_type, series, number, total_ht, total_vat, total_ttc, {vat} AS vat_lines FROM document '
        f"WHERE doc_type IN ({types}) AND state <> 'draft' AND number IS NOT NULL "
        f'AND issue_date >= {marks[0]} AND issue_date <= {marks[1]}', [period.start, period.end])
    documents = [rules.DocumentRow(
        doc_type=row['doc_type'], series=row['series'], number=row['number'], total_ht=_cents(row['total_ht']),
        total_vat=_cents(row['total_vat']), total_ttc=_cents(row['total_ttc']),
        vat_lines=tuple((line.get('category') or 'S', Decimal(line['rate']), Decimal(line['base']),
                         Decimal(line['vat'])) for line in json.loads(row['vat_lines'] or '[]')))
        for row in rows]
    payments = [rules.PaymentRow(label=label, position=id_, kind=kind, method=method, amount=amount)
                for id_, label, kind, method, amount in await Payment.filter(
                    paid_on__gte=period.start, paid_on__lte=period.end).values_list(
                    'id', 'label', 'kind', 'method', 'amount')]
    return rules.compute_totals(documents, payments)


async def chain_heads() -> dict:
    """{series: {'position', 'label', 'hash'}} of every integrity chain (ChainEntry series) now."""
    heads = {}
    for series in sorted(set(await ChainEntry.all().distinct().values_list('series', flat=True))):
        last = await ChainEntry.filter(series=series).order_by('-position').first()
        heads[series] = {'position': last.position, 'label': last.label, 'hash': last.hash}
    return heads


async def states_head() -> dict:
    """The number of state events and the hash of the last one (they are append-only and chained per document)."""
    from db.document import StateEvent

    count = await StateEvent.all().count()
    last = await StateEvent.all().order_by('-id').first()
    return {'count': count, 'last_id': last.id if last else 0, 'last_hash': last.hash if last else GENESIS}


def _cents(value) -> Decimal:
    return (Decimal(int(value)) / 100).quantize(Decimal('0.01'))


# --- the check ----------------------------------------------------------------------------------------------------


async def verify_closings(secret: str | bytes):
    """The SeriesReport (db/integrity.py) of the closings: their chain, then each one against the data now."""
    from db.integrity import SeriesReport

    key = secret_key(secret)
    previous_hash, previous_fingerprint, position = GENESIS, GENESIS, 0
    count, first, last, broken, problems = 0, None, None, None, []
    for closing in await Closing.all().order_by('position'):
        count += 1
        first, last = first or closing.label, closing.label
        if broken is None:
            reason = _own_problem(key, closing, position, previous_hash, previous_fingerprint)
            if reason:
                broken = closing.label
                problems.append(reason)
        problems += await compare_payload(closing.payload, name=f'la clôture {closing.label}')
        position, previous_hash, previous_fingerprint = closing.position, closing.hash, closing.fingerprint
    counter = (await NumberCounter.filter(series=CHAIN_COUNTER, period_key='').values_list('value', flat=True)
               or [0])[0]
    if counter != position:
        problems.append(f'Le compteur des clôtures est à {counter} alors que la chaîne des clôtures en compte '
                        f'{position} : des clôtures ont été retirées.')
    return SeriesReport(series='closing', label=LABEL, count=count, first_number=first, last_number=last,
                        head=previous_fingerprint, broken_number=broken, reason=' '.join(problems),
                        problems=tuple(problems))


def _own_problem(key: bytes, closing: Closing, position: int, previous_hash: str, previous_fingerprint: str) -> str:
    if closing.position != position + 1:
        return f'Une clôture manque juste avant {closing.label} : elle a été retirée.'
    if closing.previous_hash != previous_hash or closing.payload.get('previous_fingerprint') != previous_fingerprint:
        return f'La clôture {closing.label} ne suit plus la précédente : la chaîne des clôtures a été modifiée.'
    if rules.fingerprint(closing.payload) != closing.fingerprint or not hmac.compare_digest(
            chain_hash(key, previous_hash, closing.payload), closing.hash):
        return f'La clôture {closing.label} a été modifiée après avoir été établie (empreinte invalide).'
    if (closing.kind, closing.period_start.isoformat(), closing.period_end.isoformat()) != (
            closing.payload.get('kind'), closing.payload.get('start'), closing.payload.get('end')):
        return f'La période de la clôture {closing.label} a été modifiée.'
    return ''


async def compare_payload(payload: dict, *, name: str) -> list[str]:
    """What differs between a closing's payload (stored, or read from a report) and the data now, in French."""
    problems = []
    for series, head in sorted((payload.get('chains') or {}).items()):
        entry = await ChainEntry.filter(series=series, position=head['position']).first()
        if entry is None:
            problems.append(f'La chaîne « {series} » ne contient plus l’écriture {head["label"]} enregistrée par '
                            f'{name} : elle a été tronquée.')
        elif entry.hash != head['hash']:
            problems.append(f'La chaîne « {series} » a été recalculée depuis {name} : l’empreinte de '
                            f'{head["label"]} n’est plus celle qui a été enregistrée (documents modifiés puis '
                            'rescellés).')
    states = payload.get('states') or {}
    if states.get('last_id'):
        from db.document import StateEvent

        count = await StateEvent.filter(id__lte=states['last_id']).count()
        last = await StateEvent.filter(id=states['last_id']).first()
        # Fewer events up to the one recorded: some were removed (more is a PostgreSQL transaction that committed
        # a lower id after the closing read them, not a tamper).
        if count < (states.get('count') or 0) or last is None or last.hash != states.get('last_hash'):
            problems.append(f'L’historique des états des documents a été modifié depuis {name}.')
    try:
        period = Period(kind=payload['kind'], start=date.fromisoformat(payload['start']),
                        end=date.fromisoformat(payload['end']))
    except (KeyError, TypeError, ValueError):
        return [*problems, f'{name.capitalize()} est illisible.']
    now = await period_totals(period)
    if now != payload.get('totals'):
        problems.append(f'Les totaux de {period.label} ne sont plus ceux de {name} : '
                        f'{_first_difference(payload.get("totals") or {}, now)}.')
    return problems


def _first_difference(recorded: dict, now: dict, path: str = '') -> str:
    for key in sorted(set(recorded) | set(now), key=str):
        left, right = recorded.get(key), now.get(key)
        if left == right:
            continue
        if isinstance(left, dict) and isinstance(right, dict):
            return _first_difference(left, right, f'{path}{key} > ')
        return f'{path}{key} : {_shown(left)} enregistré, {_shown(right)} aujourd’hui'
    return 'détail introuvable'


def _shown(value) -> str:
    if isinstance(value, list):
        return ', '.join(f'{item.get("rate")} % : {item.get("base")} / {item.get("vat")}' if isinstance(item, dict)
                         else str(item) for item in value) or 'rien'
    return 'rien' if value is None else str(value)


# --- the report ---------------------------------------------------------------------------------------------------


def closing_record(closing: Closing, secret: str | bytes) -> dict:
    """What leaves the machine (the report's attachment, the archive): payload, fingerprint, HMAC and signature."""
    return {'position': closing.position, 'payload': closing.payload, 'fingerprint': closing.fingerprint,
            'hash': closing.hash, 'signature': sign(secret, canonical(closing.payload))}


async def report_pdf(closing: Closing, *, secret: str | bytes, run) -> bytes:
    """The closing report (logic/render/closing_report.py), rendered through `run` (a worker process in pages)."""
    company = await get_company()
    about = {'name': company.name if company else '', 'siren': (company.siren or '') if company else '',
             'address': [line for line in ((company.address, company.address2,
                                            f'{company.postcode} {company.city}'.strip()) if company else ()) if line]}
    return await run(render_report_pdf, report_job(closing_record(closing, secret), about))


def report_name(closing: Closing) -> str:
    return f'cloture-{closing.kind}-{closing.period_start:%Y-%m}.pdf'.replace('month', 'mois').replace('year',
                                                                                                     'exercice')


def check_report(record: dict | None) -> list[str]:
    """What is wrong with a closing read from a report on its own (no database), in French."""
    if not record or not isinstance(record.get('payload'), dict):
        return ['Ce fichier n’est pas un rapport de clôture Facturier (la clôture jointe est introuvable).']
    payload = record['payload']
    problems = []
    if rules.fingerprint(payload) != record.get('fingerprint'):
        problems.append('Le contenu du rapport ne correspond plus à son empreinte : le rapport a été modifié.')
    if not check_signature(str(payload.get('public_key', '')), canonical(payload), str(record.get('signature', ''))):
        problems.append('La signature du rapport est invalide.')
    return problems


async def compare_report(record: dict) -> list[str]:
    """A closing read from a report (kept outside the machine) against the database now, in French."""
    payload = record['payload']
    problems = []
    stored = await Closing.filter(kind=payload.get('kind'), period_start=payload.get('start')).first()
    if stored is None:
        problems.append(f'La clôture {payload.get("label")} du rapport n’existe plus dans la base : elle a été '
                        'supprimée.')
    elif stored.fingerprint != record.get('fingerprint'):
        problems.append(f'La clôture {payload.get("label")} de la base n’est plus celle du rapport (empreinte '
                        'différente) : la base a été réécrite et rescellée.')
    return problems + await compare_payload(payload, name='le rapport')


async def close_demo_year(actor: Actor, *, secret: str | bytes, today: date | None = None) -> list[Closing]:
    """The demo's first fiscal year closed (db/demo.py): its fiscal year is made to start this month a year ago, so
    that it ends with last month whatever the day (the demo's dates end today), then every period over is closed."""
    today = today or date.today()
    await save_options(actor, {'fiscal_year_start': today.month})
    return await close_due(actor, secret=secret, today=today)


async def send_report(actor: Actor, closing: Closing, *, config, run):
    """E-mail the closing report to the accountant (the address of the closing settings): one click on the page."""
    from db import mailer

    settings = await get_settings()
    if not settings.accountant_email:
        raise DomainError('Renseignez d’abord l’adresse e-mail du comptable (Comptabilité > Clôtures, Réglages).')
    pdf = await report_pdf(closing, secret=config.secret, run=run)
    company = await get_company()
    name = company.name if company else ''
    body = (f'Bonjour,\n\nVeuillez trouver ci-joint le rapport de clôture {closing.label} de {name}.\n\n'
            f'Empreinte de la clôture (SHA-256) : {closing.fingerprint}\n'
            f'Clé publique de signature : {closing.payload.get("public_key", "")}\n\n'
            'Conservez ce message : cette empreinte permet de prouver plus tard que les comptes n’ont pas été '
            'modifiés depuis la clôture.\n')
    return await mailer.send_document(actor, await mailer.get_settings(), [settings.accountant_email],
                                      f'Clôture {closing.label} — {name}', body,
                                      [mailer.Attachment(name=report_name(closing), data=pdf)], secret=config.secret,
                                      document_label=f'Clôture {closing.label}')
