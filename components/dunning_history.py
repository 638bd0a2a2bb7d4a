"""An invoice's reminders (PA6), in its "Échéancier et règlements" card: date, level, channel, installment and the
amounts claimed that day. It takes the Reminder rows and the installments' labels; it never queries."""
from nicegui import ui

from logic.dates import format_date
from logic.dunning import CHANNELS, LEVEL_LABELS
from logic.money import format_eur


def reminder_history(reminders, labels: dict[int, str]) -> None:
    with ui.expansion(f'Historique des relances ({len(reminders)})', icon='campaign') \
            .classes('w-full').props('dense data-role=reminder-history').mark('reminder-history'):
        for reminder in reminders:
            extra = ' + '.join(f'{name} {format_eur(value)}' for name, value in
                               (('pénalités', reminder.penalties), ('indemnité', reminder.indemnity)) if value)
            with ui.row().classes('w-full items-baseline gap-3 text-sm').props(f'data-reminder-level={reminder.level}'):
                ui.label(format_date(reminder.sent_on)).classes('w-24 shrink-0')
                ui.label(f'Niveau {reminder.level} · {LEVEL_LABELS.get(reminder.level, "")}').classes('grow')
                ui.label(f'{CHANNELS.get(reminder.channel, reminder.channel)} · '
                         f'{labels.get(reminder.installment_id, "")} · {reminder.days_late} j de retard') \
                    .classes('app-muted grow')
                ui.label(f'{format_eur(reminder.principal)}{" + " + extra if extra else ""}') \
                    .classes('font-medium')
