"""The signed archive of a closed fiscal year (AC3, docs/legal.md 2.6): `python main.py archive --year 2026 -o FILE`
and the page Comptabilité > Archives.

    manifest = await build_archive(2026, path, config=config, run=run)

The archive (logic/archive.py: a tar file, its manifest of SHA-256 signed with the instance's Ed25519 key) holds:
- every legal document of the fiscal year: its stored original PDF and the Factur-X XML inside it, under
  `documents/`, with `originaux.json`, the fingerprints the integrity chain recorded for them (an original lost is
  listed in the manifest's `missing_originals`, never replaced by a copy);
- `paiements.csv`, the payments journal of the year (each record with its chain hash);
- `clotures.json`, the closings of the year (payload, fingerprint, HMAC, signature) and the year's closing report;
- `journal-audit.csv`, the audit log of the year;
- the FEC of the year (db/fec.py), when that module is installed;
- `LISEZMOI.txt`, how to check it.

Only a closed fiscal year is archived: what it holds is then final. The PDFs are read one by one from the data dir
(a year of originals never sits in memory); the originals of generated data not made yet are made on the way.
"""
import asyncio
import csv
import importlib
import io
import json
import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from db import closings, originals, publishing
from db.audit import AuditEntry
from db.closing import Closing
from db.document import ChainEntry, Document, Payment
from db.settings import get_company
from logic import doctypes
from logic.archive import CLOSINGS, ORIGINALS, ArchiveWriter, signing_key
from logic.closing import YEAR, grouped
from logic.errors import DomainError
from logic.filenames import document_stem
from logic.render import store

logger = logging.getLogger(__name__)
README = """Archive d’exercice Facturier — {label} ({company})

Contenu : les originaux (PDF et XML Factur-X) des documents légaux de l’exercice, le journal des règlements,
les clôtures de l’exercice et le rapport de clôture annuel, le journal d’audit{fec}.

Contrôle : `python main.py verify --archive {name}` sur n’importe quelle machine où Facturier est installé, sans
base de données. Il recalcule l’empreinte SHA-256 de chaque fichier, les compare au manifeste (manifest.json) et
vérifie la signature Ed25519 du manifeste (manifest.sig). La clé publique de signature est :

    {key}

Elle doit être celle imprimée sur les rapports de clôture de l’entreprise.
"""


async def build_archive(year: int, path: Path, *, config, run, progress=None) -> dict:
    """Write the archive of the fiscal year ending in `year` to `path`; its manifest. Refused unless closed."""
    period = await closings.period_of(YEAR, str(year))
    closing = await Closing.filter(kind=YEAR, period_start=period.start).first()
    if closing is None:
        raise DomainError(f'{period.label} n’est pas clôturé : seul un exercice clôturé s’archive (Comptabilité > '
                          'Clôtures).')
    path = Path(path)
    if path.exists():
        raise DomainError(f'Le fichier {path} existe déjà.')
    company = await get_company()
    about = {'label': period.label, 'year': year, 'start': period.start.isoformat(), 'end': period.end.isoformat(),
             'company': company.name if company else '', 'siren': (company.siren or '') if company else '',
             'created_at': datetime.now(UTC).isoformat(timespec='seconds'), 'missing_originals': [], 'fec': ''}
    partial = path.with_name(path.name + '.part')
    key = signing_key(config.secret)
    try:
        writer = await asyncio.to_thread(ArchiveWriter, partial, key, about=about)
        try:
            await _documents(writer, period, about, config=config, run=run, progress=progress)
            await _payments(writer, period)
            await _closings(writer, period, closing, config=config, run=run)
            await _audit(writer, period)
            await _fec(writer, period, about, company)
            writer.add_bytes('LISEZMOI.txt', README.format(
                label=period.label, company=about['company'], name=path.name, key=grouped(key_text(key)),
                fec=', le FEC' if about['fec'] else '').encode('utf-8'))
            writer.about = about
            manifest = await asyncio.to_thread(writer.close)
        except BaseException:
            writer._tar.close()
            raise
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def key_text(key) -> str:
    from logic.archive import public_key_hex

    return public_key_hex(key)


async def _documents(writer: ArchiveWriter, period, about: dict, *, config, run, progress) -> None:
    documents = await Document.filter(
        doc_type__in=doctypes.keys(legal=True), number__not_isnull=True, issue_date__gte=period.start,
        issue_date__lte=period.end).exclude(state='draft').order_by('series', 'issue_date', 'id')
    index = []
    for count, document in enumerate(documents, start=1):
        stem = f'documents/{document.series}/{document_stem(document.number, document.doc_type, document.id)}'
        pdf_name = f'{stem}.pdf'
        if store.load_pdf(config.files_dir, document.id) is None and await originals.sealed(document.id) is None:
            await publishing.document_pdf(document.id, config=config, run=run)  # generated data: made and sealed now
        seal = await originals.sealed(document.id)
        source = store.pdf_path(config.files_dir, document.id)
        if not source.is_file():
            about['missing_originals'].append(document.number)
            index.append({'number': document.number, 'series': document.series, 'pdf': '', 'xml': '',
                          'pdf_sha256': seal.pdf_sha256 if seal else '', 'xml_sha256': seal.xml_sha256 if seal else ''})
            continue
        await asyncio.to_thread(writer.add_file, pdf_name, source)
        xml = await asyncio.to_thread(_xml_of, source)
        if xml:
            writer.add_bytes(f'{stem}.xml', xml)
        index.append({'number': document.number, 'series': document.series, 'pdf': pdf_name,
                      'xml': f'{stem}.xml' if xml else '', 'pdf_sha256': seal.pdf_sha256 if seal else '',
                      'xml_sha256': seal.xml_sha256 if seal else ''})
        if progress and count % 100 == 0:
            progress(count, len(documents))
    writer.add_bytes(ORIGINALS, json.dumps(index, ensure_ascii=False, indent=1).encode('utf-8'))


def _xml_of(path: Path) -> bytes | None:
    return store.xml_from_pdf(path.read_bytes())


async def _payments(writer: ArchiveWriter, period) -> None:
    rows = await Payment.filter(paid_on__gte=period.start, paid_on__lte=period.end).order_by('id')
    hashes = dict(await ChainEntry.filter(series='payment', document_id__in=[row.id for row in rows])
                  .values_list('document_id', 'hash')) if rows else {}
    out = io.StringIO()
    table = csv.writer(out, delimiter=';', lineterminator='\r\n')
    table.writerow(['libelle', 'date', 'nature', 'moyen', 'montant', 'reference', 'motif', 'client', 'id_document',
                    'empreinte_chaine'])
    for row in rows:
        table.writerow([row.label, row.paid_on.isoformat(), row.kind, row.method, str(row.amount).replace('.', ','),
                        row.reference, row.reason, row.client_name, row.document_id, hashes.get(row.id, '')])
    writer.add_bytes('paiements.csv', out.getvalue().encode('utf-8'))


async def _closings(writer: ArchiveWriter, period, year_closing: Closing, *, config, run) -> None:
    rows = await Closing.filter(period_start__gte=period.start, period_end__lte=period.end).order_by('position')
    records = [closings.closing_record(row, config.secret) for row in rows]
    writer.add_bytes(CLOSINGS, json.dumps(records, ensure_ascii=False, indent=1).encode('utf-8'))
    pdf = await closings.report_pdf(year_closing, secret=config.secret, run=run)
    writer.add_bytes(f'clotures/{closings.report_name(year_closing)}', pdf)


async def _audit(writer: ArchiveWriter, period) -> None:
    start = datetime(period.start.year, period.start.month, period.start.day, tzinfo=UTC)
    end = datetime(period.end.year, period.end.month, period.end.day, 23, 59, 59, tzinfo=UTC)
    out = io.StringIO()
    table = csv.writer(out, delimiter=';', lineterminator='\r\n')
    table.writerow(['id', 'date', 'utilisateur', 'action', 'cible', 'ip', 'details'])
    for entry in await AuditEntry.filter(at__gte=start, at__lte=end).order_by('id'):
        table.writerow([entry.id, entry.at.isoformat(), entry.actor, entry.action, entry.target, entry.ip,
                        json.dumps(entry.details, ensure_ascii=False, sort_keys=True)])
    writer.add_bytes('journal-audit.csv', out.getvalue().encode('utf-8'))


async def _fec(writer: ArchiveWriter, period, about: dict, company) -> None:
    """The FEC of the year (db/fec.py, the accounting export), when that module exists in this version."""
    try:
        fec = importlib.import_module('db.fec')
    except ModuleNotFoundError:
        logger.info('db.fec is not there: the archive goes without the FEC')
        return
    with tempfile.TemporaryFile() as handle:
        await fec.write_fec(period.start, period.end, handle)
        handle.seek(0)
        data = handle.read()
    name = fec.fec_filename((company.siren or '') if company else '', period.end)
    writer.add_bytes(name, data)
    about['fec'] = name
