"""Paramètres > Numérotation (SE4): the pattern and reset rule of each series, with the next number previewed as
it is typed. Administrators only; the counters carry on across changes, so no number is ever given twice.
"""
from datetime import date

from nicegui import ui

from components.form import section
from components.frame import frame
from db import numbering
from db.document import NumberCounter
from logic.numbering import (RESET_LABELS, SERIES_LABELS, PatternError, check_distinct, period_key, render,
                             validate_pattern)
from pages.security import PageContext, secured_page

# Series shown only when their module is on (Paramètres > Options).
OPTIONAL = {'quote': 'quotes', 'order': 'orders', 'delivery_note': 'delivery_notes'}


@secured_page('/parametres/numerotation', admin=True, title='Numérotation')
async def numbering_page(ctx: PageContext):
    with frame(ctx, 'Numérotation'):
        with section('Modèles de numérotation',
                     'Codes : {AAAA} année, {AA} année sur 2 chiffres, {MM} mois, {N} compteur, {N:5} compteur sur '
                     '5 chiffres. Les factures et les avoirs sont numérotés à la validation, sans trou, dans '
                     'l’ordre chronologique ; les devis dès leur création. Deux séries ne donnent jamais le même '
                     'numéro : donnez à chacune son préfixe.'):
            all_series = await numbering.list_series()
            patterns = {row.key: row.pattern for row in all_series}  # hidden series too: no number is shared
            series_list = [row for row in all_series
                           if row.key not in OPTIONAL or getattr(ctx.options, OPTIONAL[row.key])]
            for series in series_list:
                counters = dict(await NumberCounter.filter(series=series.key).values_list('period_key', 'value'))
                series_row(ctx, series, counters, patterns)


def series_row(ctx: PageContext, series, counters: dict[str, int], patterns: dict[str, str]) -> None:
    """One series' form; `patterns` holds every series' saved pattern, shared by the rows."""
    key = series.key
    state = {'version': series.version, 'reset': series.reset}
    with ui.element('div').classes('app-form-grid items-center').props(f'data-series={key}'):
        ui.label(SERIES_LABELS.get(key, key)).classes('font-semibold')
        pattern = ui.input('Modèle', value=series.pattern) \
            .props(f'outlined dense maxlength=60 data-field=pattern-{key}').mark(f'pattern-{key}')
        reset = ui.select(RESET_LABELS, label='Remise à zéro du compteur', value=series.reset) \
            .props(f'outlined dense data-field=reset-{key}').mark(f'reset-{key}')
        with ui.row().classes('items-center no-wrap gap-2'):
            ui.label('Prochain numéro :').classes('app-muted')
            preview = ui.label().classes('font-mono font-semibold').props(f'data-role=preview-{key}') \
                .mark(f'preview-{key}')
            ui.space()
            save_button = ui.button('Enregistrer').props(f'unelevated dense data-action=save-{key}') \
                .mark(f'save-{key}')

    def show_preview() -> None:
        today = date.today()
        typed = (pattern.value or '').strip()
        try:
            validate_pattern(typed, reset.value)
            if typed != patterns[key]:  # the same refusal as db.numbering.save_series, shown as it is typed
                check_distinct(key, typed, patterns)
        except PatternError as exc:
            preview.text = str(exc)
            preview.classes(replace='text-negative text-sm')
            save_button.disable()
            return
        current = counters.get(period_key(reset.value, today), 0)
        if reset.value != state['reset']:  # the counter of the new period starts from the current one
            current = max(current, counters.get(period_key(state['reset'], today), 0))
        preview.text = render(pattern.value.strip(), on=today, counter=current + 1)
        preview.classes(replace='font-mono font-semibold')
        save_button.enable()

    async def save() -> None:
        saved = await numbering.save_series(ctx.actor, key, pattern=pattern.value or '', reset=reset.value,
                                            version=state['version'])
        state.update(version=saved.version, reset=saved.reset)
        patterns[key] = saved.pattern
        preview.text = await numbering.preview_next(key)
        ui.notify(f'Numérotation « {SERIES_LABELS.get(key, key)} » enregistrée.', type='positive')

    pattern.on_value_change(show_preview)
    reset.on_value_change(show_preview)
    save_button.on_click(ctx.handler(save, admin=True))
    show_preview()
