"""The PDF report of a closing (AC3): "Rapport de clôture", A4, from assets/templates/closing_report.html.

It prints what the closing attests (totals per document type, VAT rate and payment method, the perpetual grand
totals, the number range of each series, the heads of the chains), its fingerprint and the instance's public key.
The closing itself travels inside the PDF as an attached file `cloture.json` (its payload, fingerprint and Ed25519
signature), so that `python main.py verify --closing-report FILE` can compare a report kept by the accountant with
the database, and `read_closing(pdf)` gets it back.

`report_job(...)` turns the stored closing into plain data; `render_report_pdf(job)` runs in a worker process.
"""
import io
import json
from decimal import Decimal

from logic.closing import grouped
from logic.dates import format_date
from logic.money import format_eur
from logic.render.fetcher import RestrictedFetcher, file_url
from logic.render.html import ASSETS_DIR, TEMPLATES_DIR, environment

TEMPLATE = 'closing_report.html'
ATTACHMENT = 'cloture.json'
KINDS = {'invoice': 'Factures', 'deposit_invoice': 'Factures d’acompte', 'progress_invoice': 'Factures de situation',
         'credit_note': 'Avoirs'}
METHODS = {'cheque': 'Chèque', 'transfer': 'Virement', 'direct_debit': 'Prélèvement', 'card': 'Carte bancaire',
           'cash': 'Espèces', 'credit_note': 'Imputation d’avoir', 'write_off': 'Passage en irrécouvrable',
           'reversal': 'Annulation'}
SERIES = {'invoice': 'Factures', 'credit_note': 'Avoirs', 'payment': 'Règlements', 'cheque_slip': 'Remises de chèques',
          'original': 'Empreintes des originaux'}


def report_job(closing: dict, company: dict) -> dict:
    """`closing`: {'position', 'payload', 'fingerprint', 'hash', 'signature'}; `company`: name, address lines,
    SIREN. Amounts and dates formatted the French way here: the template only lays them out."""
    payload = closing['payload']
    totals = payload['totals']
    money = lambda value: format_eur(Decimal(value))
    from datetime import date, datetime

    return {
        'label': payload['label'], 'kind': 'exercice' if payload['kind'] == 'year' else 'mois',
        'start': format_date(date.fromisoformat(payload['start'])), 'end': format_date(date.fromisoformat(payload['end'])),
        'closed_at': datetime.fromisoformat(payload['closed_at']).strftime('%d/%m/%Y à %H:%M UTC'),
        'closed_by': payload['closed_by'], 'position': closing['position'], 'company': company,
        'documents': {key: (money(value) if key != 'count' else value) for key, value in totals['documents'].items()},
        'by_type': [{'label': KINDS.get(key, key), 'count': row['count'], 'ht': money(row['total_ht']),
                     'vat': money(row['total_vat']), 'ttc': money(row['total_ttc'])}
                    for key, row in totals['by_type'].items()],
        'by_rate': [{'rate': f'{Decimal(row["rate"]):n} %'.replace('.', ','), 'category': row['category'],
                     'base': money(row['base']), 'vat': money(row['vat'])} for row in totals['by_vat_rate']],
        'payments': {'count': totals['payments']['count'], 'total': money(totals['payments']['total'])},
        'by_method': [{'label': METHODS.get(key, key), 'count': row['count'], 'total': money(row['total'])}
                      for key, row in totals['by_method'].items()],
        'series': [{'label': SERIES.get(key, key), 'count': row['count'], 'first': row['first'], 'last': row['last']}
                   for key, row in totals['series'].items()],
        'perpetual': {key: money(value) for key, value in payload['perpetual'].items()},
        'chains': [{'label': SERIES.get(key, key), 'position': head['position'], 'last': head['label'],
                    'hash': grouped(head['hash'])} for key, head in payload['chains'].items()],
        'fingerprint': grouped(closing['fingerprint']), 'previous': grouped(payload['previous_fingerprint']),
        'public_key': grouped(payload['public_key']),
        'attachment': json.dumps({key: closing[key] for key in ('position', 'payload', 'fingerprint', 'signature')},
                                 ensure_ascii=False, sort_keys=True),
    }


def report_html(job: dict) -> str:
    return environment().get_template(TEMPLATE).render(**job)


def render_report_pdf(job: dict) -> bytes:
    """Worker entry point: the PDF bytes of one closing report, the closing attached as `cloture.json`."""
    from weasyprint import HTML, Attachment

    from logic.render.pdf import font_config

    fetcher = RestrictedFetcher([ASSETS_DIR])
    document = HTML(string=report_html(job), base_url=file_url(TEMPLATES_DIR) + '/', url_fetcher=fetcher).render(
        font_config=font_config())
    document.metadata.title = f'Rapport de clôture {job["label"]}'
    document.metadata.lang = 'fr'
    attachment = Attachment(string=job['attachment'].encode('utf-8'), name=ATTACHMENT,
                            description='Clôture (JSON canonique, empreinte et signature)')
    return document.write_pdf(attachments=[attachment])


def read_closing(pdf: bytes) -> dict | None:
    """The closing attached to a report ({'position', 'payload', 'fingerprint', 'signature'}), None if absent."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(pdf))
        contents = (reader.attachments or {}).get(ATTACHMENT)
        return json.loads(contents[0]) if contents else None
    except Exception:  # noqa: BLE001 - any unreadable file is "not a report"
        return None
