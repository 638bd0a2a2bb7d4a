"""The PDF of a cheque remittance slip (PA4), "Bordereau de remise de chèques", A4, from
assets/templates/cheque_slip.html.

`slip_job(slip, cheques, company)` turns the stored rows into plain data (French amounts and dates);
`render_slip_pdf(job)` runs in a worker process (`nicegui.run.cpu_bound`) with the renderer's one FontConfiguration.
User text (drawers, banks) reaches the HTML only through autoescaped `{{ }}`.
"""
from datetime import date

from logic.dates import format_date
from logic.money import format_eur
from logic.render.fetcher import RestrictedFetcher, file_url
from logic.render.html import ASSETS_DIR, TEMPLATES_DIR, environment

TEMPLATE = 'cheque_slip.html'


def slip_job(slip, cheques: list, company) -> dict:
    """The picklable description of a slip's PDF (`slip`, `cheques`, `company`: the stored rows)."""
    address = [] if company is None else [line for line in (
        company.address, company.address2, f'{company.postcode} {company.city}'.strip()) if line]
    return {
        'number': slip.number, 'issued_on': format_date(slip.issued_on), 'holder': slip.holder,
        'bank_name': slip.bank_name, 'iban': _grouped(slip.iban), 'bic': slip.bic, 'count': slip.count,
        'total': format_eur(slip.total), 'address': address, 'cancelled': slip.state == 'cancelled',
        'cancelled_on': format_date(slip.cancelled_on) if isinstance(slip.cancelled_on, date) else '',
        'cancel_reason': slip.cancel_reason,
        'cheques': [{'drawer': cheque.drawer, 'bank': cheque.bank, 'cheque_number': cheque.cheque_number,
                     'invoice_number': cheque.invoice_number, 'received_on': format_date(cheque.received_on),
                     'amount': format_eur(cheque.amount)} for cheque in cheques],
    }


def slip_html(job: dict) -> str:
    return environment().get_template(TEMPLATE).render(**job)


def render_slip_pdf(job: dict) -> bytes:
    """Worker entry point: the PDF bytes of one slip."""
    from weasyprint import HTML  # noqa: PLC0415 - loaded in the worker, not in the app process

    from logic.render.pdf import font_config  # noqa: PLC0415

    fetcher = RestrictedFetcher([ASSETS_DIR])
    document = HTML(string=slip_html(job), base_url=file_url(TEMPLATES_DIR) + '/', url_fetcher=fetcher).render(
        font_config=font_config())
    document.metadata.title = f'Bordereau de remise de chèques {job["number"]}'
    document.metadata.lang = 'fr'
    return document.write_pdf()


def _grouped(iban: str) -> str:
    """'FR7630006000011234567890189' -> 'FR76 3000 6000 0112 3456 7890 189' (as printed on a RIB)."""
    compact = (iban or '').replace(' ', '')
    return ' '.join(compact[index:index + 4] for index in range(0, len(compact), 4))
