"""The totals of a document (DOC2): lines total, global discount, shipping, VAT per rate, TTC, prepaid, net to pay.

The global discount and the shipping costs are typed here (as in the guide, "sur la partie droite") and written
into the Draft; the figures come from `logic.totals` through `show(totals)`, which changes only the labels whose
text changed, so that typing in a 300-line document stays quick.
"""
from collections.abc import Callable
from decimal import Decimal

from nicegui import ui

from components.lines_table import DISCOUNT_KINDS, VatChoice
from components.money_input import MoneyInput
from logic.draft import Draft
from logic.money import format_decimal_fr, format_eur
from logic.totals import Totals, VatGroup

HUNDRED = Decimal(100)
CATEGORY_WORDS = {'S': 'TVA', 'Z': 'TVA taux zéro', 'E': 'Exonéré', 'AE': 'Autoliquidation',
                  'K': 'Livraison intracommunautaire', 'G': 'Exportation', 'O': 'Hors champ'}


def vat_group_label(group: VatGroup) -> str:
    if group.category == 'S':
        return f'TVA {format_decimal_fr(group.rate)} %'
    return CATEGORY_WORDS.get(group.category, group.category)


class TotalsPanel(ui.element):
    """`TotalsPanel(draft, vat_choices=..., on_change=...)`; `readonly=True` shows the figures only."""

    def __init__(self, draft: Draft, *, vat_choices: list[VatChoice], on_change: Callable[[bool], None],
                 readonly: bool = False) -> None:
        super().__init__('div')
        self.classes('app-totals').props('data-role=totals')
        self.draft = draft
        self.vat_choices = vat_choices
        self.on_change = on_change
        self.readonly = readonly
        self._group_keys: tuple | None = None
        self._group_labels: list[tuple[ui.label, ui.label, ui.label]] = []
        with self:
            self.lines_total = self._row('Total HT des lignes', 'lines-total')
            if readonly:
                self.discount_row = ui.element('div').classes('app-totals-row')
                with self.discount_row:
                    self.discount_caption = ui.label('Remise globale')
                    self.discount = ui.label().classes('app-totals-figure').props('data-total=discount') \
                        .mark('discount')
                self.shipping_row = ui.element('div').classes('app-totals-row')
                with self.shipping_row:
                    self.shipping_caption = ui.label('Frais de port HT')
                    self.shipping = ui.label().classes('app-totals-figure').props('data-total=shipping') \
                        .mark('shipping-total')
            else:
                self._discount_inputs()
                self._shipping_inputs()
            ui.separator()
            self.total_ht = self._row('Total HT', 'total-ht', strong=True)
            self.groups = ui.element('div').classes('w-full').props('data-role=vat-groups')
            self.total_vat = self._row('Total TVA', 'total-vat')
            ui.separator()
            self.total_ttc = self._row('Total TTC', 'total-ttc', strong=True)
            self.prepaid_row = ui.element('div').classes('app-totals-row')
            with self.prepaid_row:
                ui.label('Acomptes versés')
                self.prepaid = ui.label().classes('app-totals-figure').props('data-total=prepaid').mark('prepaid')
            self.due_row = ui.element('div').classes('app-totals-row app-totals-due')
            with self.due_row:
                ui.label('Net à payer')
                self.amount_due = ui.label().classes('app-totals-figure').props('data-total=amount-due') \
                    .mark('amount-due')
            self.error = ui.label().classes('app-totals-error').props('data-role=totals-error').mark('totals-error')
            self.error.set_visibility(False)

    def _row(self, caption: str, name: str, *, strong: bool = False) -> ui.label:
        with ui.element('div').classes('app-totals-row' + (' app-totals-strong' if strong else '')):
            ui.label(caption)
            return ui.label().classes('app-totals-figure').props(f'data-total={name}').mark(name)

    def _discount_inputs(self) -> None:
        draft = self.draft
        with ui.element('div').classes('app-totals-row'):
            ui.label('Remise globale')
            self.discount = ui.label().classes('app-totals-figure').props('data-total=discount').mark('discount')
        with ui.element('div').classes('app-totals-inputs'):
            kind = ui.select(DISCOUNT_KINDS, label='Type', value=draft.global_discount_kind or '') \
                .props('dense outlined hide-bottom-space options-dense data-field=global_discount_kind') \
                .mark('global-discount-kind')
            value = MoneyInput('Remise', value=draft.global_discount_value if draft.global_discount_kind else None,
                               places=2 if draft.global_discount_kind == 'percent' else None,
                               minimum=Decimal(0), required=False, what='Remise globale',
                               maximum=HUNDRED if draft.global_discount_kind == 'percent' else None,
                               on_change=self._discount_value)
            value.props('data-field=global_discount').mark('global-discount')
            value.set_enabled(bool(draft.global_discount_kind))
            self.discount_input = value
            kind.on_value_change(self._discount_kind)

    def _shipping_inputs(self) -> None:
        draft = self.draft
        with ui.element('div').classes('app-totals-row'):
            ui.label('Frais de port HT')
            self.shipping = ui.label().classes('app-totals-figure').props('data-total=shipping') \
                .mark('shipping-total')
        with ui.element('div').classes('app-totals-inputs'):
            self.shipping_input = MoneyInput('Montant HT', value=draft.shipping, what='Frais de port',
                                             on_change=self._shipping)
            self.shipping_input.props('data-field=shipping').mark('shipping')
            # An accessory cost takes the VAT of what it accompanies (logic/totals.py): nothing to choose.
            ui.label('TVA : celle des lignes, au prorata si plusieurs taux').classes('app-muted text-xs') \
                .mark('shipping-vat')

    # --- edits -----------------------------------------------------------------------------------------------

    def _discount_kind(self, event) -> None:
        kind = event.value or None
        self.draft.global_discount_kind = kind
        self.discount_input.places = 2 if kind == 'percent' else None
        self.discount_input.maximum = HUNDRED if kind == 'percent' else None
        self.discount_input.set_enabled(bool(kind))
        if kind is None:
            self.discount_input.set_decimal(None)
        else:
            self.discount_input.reparse()
        self.draft.global_discount_value = (self.discount_input.decimal or Decimal(0)) if kind else Decimal(0)
        self.on_change(True)

    def _discount_value(self, value: Decimal | None) -> None:
        self.draft.global_discount_value = value or Decimal(0)
        self.on_change(True)

    def _shipping(self, value: Decimal | None) -> None:
        self.draft.shipping = value or Decimal(0)
        self.on_change(True)

    def invalid_fields(self) -> list[str]:
        if self.readonly:
            return []
        return [f'{money.what} : {money.error}' for money in (self.discount_input, self.shipping_input)
                if money.error]

    # --- figures ---------------------------------------------------------------------------------------------

    def show(self, totals: Totals) -> None:
        self.error.set_visibility(False)
        self.lines_total.text = format_eur(totals.lines_total)
        self.discount.text = format_eur(-totals.allowance_total) if totals.allowance_total else '—'
        self.shipping.text = format_eur(totals.charge_total) if totals.charge_total else '—'
        if self.readonly:
            self.discount_row.set_visibility(bool(totals.allowance_total))
            self.shipping_row.set_visibility(bool(totals.charge_total))
        self.total_ht.text = format_eur(totals.total_ht)
        self._show_groups(totals.vat_groups)
        self.total_vat.text = format_eur(totals.total_vat)
        self.total_ttc.text = format_eur(totals.total_ttc)
        self.prepaid_row.set_visibility(bool(totals.prepaid))
        self.prepaid.text = format_eur(-totals.prepaid)
        self.amount_due.text = format_eur(totals.amount_due)

    def show_error(self, message: str) -> None:
        """Figures that make no invoice (e.g. a discount above the amount): say why, keep the last good figures."""
        self.error.text = message
        self.error.set_visibility(True)

    def _show_groups(self, groups: tuple[VatGroup, ...]) -> None:
        keys = tuple((group.category, group.rate) for group in groups)
        if keys != self._group_keys:
            # The set of rates changed (rare): rebuild this small block only.
            self._group_keys = keys
            self.groups.clear()
            self._group_labels = []
            with self.groups:
                for group in groups:
                    with ui.element('div').classes('app-totals-row app-totals-group').props('data-role=vat-group'):
                        caption = ui.label()
                        base = ui.label().classes('app-totals-base')
                        vat = ui.label().classes('app-totals-figure').mark('vat-group')
                    self._group_labels.append((caption, base, vat))
        for group, (caption, base, vat) in zip(groups, self._group_labels):
            caption.text = vat_group_label(group)
            base.text = f'base {format_eur(group.base)}'
            vat.text = format_eur(group.vat)
