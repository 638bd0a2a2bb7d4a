from tortoise import migrations
from tortoise.migrations import operations as ops

# The default print template of every instance, seeded here so that opening Paramètres > Modèles d'édition writes
# nothing: viewing a page must leave the audit log alone. An instance that already has a template keeps its own.
# Literal copies (not imports) so that this migration always seeds the same row.
NAME = 'Classique'
DOC_TYPES = ('quote', 'invoice', 'deposit_invoice', 'progress_invoice', 'credit_note', 'order', 'delivery_note',
             'deposit_request', 'dunning')


async def seed_default_template(_apps, schema_editor) -> None:
    types = '[' + ', '.join(f'"{key}"' for key in DOC_TYPES) + ']'
    await schema_editor.client.execute_script(
        'INSERT INTO print_template (name, doc_types, default_for, layout, primary_color, accent_color, font, '
        'logo_choice, logo_file, header_text, footer_text, show_reference, show_unit, show_discount, show_bank, '
        'active, created_at, updated_at, version) '
        f"SELECT '{NAME}', '{types}', '{types}', 'classique', '#1f3a5f', '#b5452b', 'dejavu-serif', 'company', '', "
        "'', '', TRUE, TRUE, TRUE, TRUE, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1 "
        'WHERE NOT EXISTS (SELECT 1 FROM print_template);')


class Migration(migrations.Migration):
    dependencies = [('output', '0001_print_templates_mail')]

    operations = [
        ops.RunPython(seed_default_template, ops.RunPython.noop),
    ]
