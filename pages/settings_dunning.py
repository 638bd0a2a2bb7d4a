"""Paramètres > Relances (PA6): the three levels (delay after the due date, e-mail subject, letter text), how late
penalties are computed, and the dated reference rates (ECB refinancing rate, legal interest rate). Admins only."""
from nicegui import ui

from components.date_input import DateInput
from components.form import section
from components.frame import frame
from db import dunning
from logic import dunning as rules
from logic.dates import format_date
from logic.money import format_decimal_fr
from pages.security import PageContext, secured_page


@secured_page('/parametres/relances', admin=True, title='Relances')
async def dunning_settings_page(ctx: PageContext):
    config = await dunning.load_rules()
    settings = await dunning.get_settings()
    fields: dict[int, dict] = {}
    with frame(ctx, 'Relances'):
        with section('Niveaux de relance', 'Délai en jours après l’échéance ; champs utilisables dans l’objet et le '
                     'texte : ' + ', '.join(f'{{{name}}}' for name in rules.PLACEHOLDERS) + '. Le détail des '
                     'échéances, des pénalités et de l’indemnité est ajouté sous le texte.'):
            for level in rules.LEVELS:
                item = config.levels[level]
                with ui.expansion(f'Niveau {level} · {rules.LEVEL_LABELS[level]}', value=level == 1) \
                        .classes('w-full').props(f'data-level={level}'):
                    fields[level] = {
                        'days': ui.input('Jours après l’échéance', value=str(item.days))
                        .props(f'outlined dense maxlength=4 data-field=days-{level}').mark(f'days-{level}'),
                        'subject': ui.input('Objet', value=item.subject)
                        .props(f'outlined dense maxlength=255 data-field=subject-{level}').classes('w-full'),
                        'text': ui.textarea('Texte de la lettre', value=item.text)
                        .props(f'outlined dense autogrow data-field=text-{level}').classes('w-full'),
                    }

            async def save_levels() -> None:
                await dunning.save_levels(ctx.actor, {level: {key: element.value for key, element in items.items()}
                                                      for level, items in fields.items()})
                ui.notify('Niveaux de relance enregistrés.', type='positive')

            ui.button('Enregistrer les niveaux', on_click=ctx.handler(save_levels, admin=True)) \
                .props('unelevated no-caps data-action=save-levels').mark('save-levels')

        with section('Pénalités de retard (clients professionnels)',
                     'Exigibles dès le lendemain de l’échéance, jamais inférieures à trois fois le taux de l’intérêt '
                     'légal ; indemnité forfaitaire de 40 € par facture. Aucune pour les particuliers. Le taux choisi '
                     'doit être celui qu’annoncent vos factures (Paramètres > Société, mentions).'):
            basis = ui.select(rules.PENALTY_BASES, value=settings.penalty_basis, label='Taux appliqué') \
                .props('outlined dense data-field=penalty_basis').classes('w-full').mark('penalty_basis')
            fixed = ui.input('Taux contractuel (%)', value=format_decimal_fr(settings.fixed_rate)
                             if settings.fixed_rate is not None else '') \
                .props('outlined dense data-field=fixed_rate').mark('fixed_rate')
            fixed.bind_visibility_from(basis, 'value', backward=lambda value: value == 'fixed')
            notice = ui.input('Délai de la mise en demeure (jours)', value=str(settings.notice_days)) \
                .props('outlined dense maxlength=2 data-field=notice_days').mark('notice_days')

            async def save_terms() -> None:
                await dunning.save_terms(ctx.actor, basis.value, fixed.value or '', notice.value or '')
                ui.notify('Calcul des pénalités enregistré.', type='positive')

            ui.button('Enregistrer', on_click=ctx.handler(save_terms, admin=True)) \
                .props('unelevated no-caps data-action=save-terms').mark('save-terms')

        with section('Taux de référence', 'Le taux BCE d’un semestre est celui en vigueur au 1er janvier ou au '
                     '1er juillet ; le taux de l’intérêt légal est publié chaque semestre par arrêté. Ajoutez chaque '
                     'nouveau taux avec sa source.'):
            table = ui.column().classes('w-full gap-1').mark('rates')

            async def draw_rates() -> None:
                table.clear()
                with table:
                    for row in await dunning.rate_rows():
                        with ui.row().classes('w-full items-center gap-2 no-wrap').props(f'data-rate={row.id}'):
                            ui.label(rules.RATE_KINDS[row.kind]).classes('grow min-w-0 ellipsis')
                            ui.label(f'depuis le {format_date(row.valid_from)}').classes('text-no-wrap')
                            ui.label(f'{format_decimal_fr(row.rate, 2)} %').classes('text-no-wrap font-semibold')
                            ui.button(icon='delete', on_click=ctx.handler(lambda r=row.id: remove(r), admin=True)) \
                                .props('flat round dense size=sm aria-label="Supprimer ce taux"') \
                                .tooltip(row.source)

            async def remove(rate_id: int) -> None:
                await dunning.delete_rate(ctx.actor, rate_id)
                await draw_rates()

            with ui.element('div').classes('app-form-grid'):
                kind = ui.select(rules.RATE_KINDS, value='ecb', label='Taux').props('outlined dense data-field=kind')
                since = DateInput('À partir du', field='valid_from')
                rate = ui.input('Taux (%)').props('outlined dense data-field=rate').mark('rate')
                source = ui.input('Source').props('outlined dense maxlength=255 data-field=source').mark('source')

            async def add() -> None:
                await dunning.add_rate(ctx.actor, kind.value, since.day, rate.value or '', source.value or '')
                rate.value = source.value = ''
                await draw_rates()
                ui.notify('Taux ajouté.', type='positive')

            ui.button('Ajouter le taux', icon='add', on_click=ctx.handler(add, admin=True)) \
                .props('outline no-caps data-action=add-rate').mark('add-rate')
            await draw_rates()
