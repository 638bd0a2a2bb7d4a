"""The detail of one installment of the payments list (PA2, PA7): its figures, its document, the journal of its
settlements, and the actions the page puts in `actions`.

It never queries: the page gives the figures as text, the links, and the history rows (one dict per record, with
the keys of HISTORY_COLUMNS).

    dialog = InstallmentDetailDialog(title='Échéance — F2026-00012', client='Dupont SARL',
                                     figures=[('Montant', '1 200,00 €'), ...],
                                     links=[('Facture F2026-00012', '/factures/12', 'detail-document')], history=rows)
    with dialog.actions:
        ui.button('Régler', on_click=...)
    dialog.open()
"""
from nicegui import ui

from components.dialog import Dialog

HISTORY_COLUMNS = [
    {'name': 'date', 'label': 'Date', 'field': 'date', 'align': 'left'},
    {'name': 'kind', 'label': 'Opération', 'field': 'kind', 'align': 'left'},
    {'name': 'method', 'label': 'Mode', 'field': 'method', 'align': 'left'},
    {'name': 'reference', 'label': 'Référence / motif', 'field': 'reference', 'align': 'left'},
    {'name': 'amount', 'label': 'Montant', 'field': 'amount', 'align': 'right'},
    {'name': 'label', 'label': 'N° d’enregistrement', 'field': 'label', 'align': 'left'},
]


class InstallmentDetailDialog(Dialog):
    """`figures`: (caption, value) pairs, each marked `detail-<caption>`; `links`: (text, url, marker)."""

    def __init__(self, *, title: str, client: str, figures: list[tuple[str, str]],
                 links: list[tuple[str, str, str]], history: list[dict]) -> None:
        super().__init__(width=760, role='installment-detail')
        with self.body:
            with ui.row().classes('w-full items-center no-wrap'):
                ui.label(title).classes('app-subtitle grow').mark('detail-title')
                ui.button(icon='close', on_click=self.close).props('flat round dense aria-label=Fermer')
            ui.label(client).classes('font-medium')
            with ui.element('div').classes('app-pay-detail').props('data-role=detail-figures'):
                for caption, value in figures:
                    with ui.column().classes('gap-0'):
                        ui.label(caption).classes('app-muted text-sm')
                        ui.label(value).classes('font-medium').mark(f'detail-{caption}')
            with ui.row().classes('gap-x-6 gap-y-1'):
                for text, url, marker in links:
                    ui.link(text, url).classes('app-doc-link').mark(marker)
            ui.label('Historique').classes('font-semibold q-mt-sm')
            if history:
                ui.table(columns=HISTORY_COLUMNS, rows=history, row_key='id') \
                    .props('flat bordered dense wrap-cells data-table=history').classes('app-table').mark('history')
            else:
                ui.label('Aucun règlement enregistré.').classes('app-muted').mark('no-history')
