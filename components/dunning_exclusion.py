"""The contact's "never remind" switch (PA6): an excluded client is not proposed for dunning (a dispute, a payment
plan agreed). It never queries: `on_change(excluded, reason)` saves, through the page's guard."""
from nicegui import ui


class DunningExclusion(ui.element):

    def __init__(self, excluded: bool, reason: str, *, on_change) -> None:
        super().__init__('div')
        self.classes('w-full q-mt-md').props('data-role=dunning-exclusion')
        with self:
            ui.label('Relances').classes('app-subtitle')
            self.switch = ui.switch('Ne jamais relancer ce client', value=excluded) \
                .props('data-field=dunning_excluded').mark('dunning_excluded')
            self.reason = ui.input('Motif (litige, échéancier accordé…)', value=reason) \
                .props('outlined dense maxlength=200 data-field=dunning_reason').classes('w-full').mark('dunning_reason')
            self.switch.on_value_change(lambda e: on_change(e.value, self.reason.value or ''))
