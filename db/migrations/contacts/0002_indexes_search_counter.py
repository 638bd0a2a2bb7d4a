from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

from logic.article import article_search_text, sort_designation
from logic.contact import SEARCHED, contact_search_text, sort_name

# Only new columns with a database default and new indexes: altering a field on SQLite rebuilds its table, which
# drops the table's other indexes and fails once documents reference its rows.


async def fill_search_columns(apps, schema_editor) -> None:
    """Rows created before this migration get their folded sort and search copies."""
    client = schema_editor.client
    postgres = client.capabilities.dialect == 'postgres'
    mark = (lambda n: f'${n}') if postgres else (lambda n: '?')
    columns = ', '.join(sorted({*SEARCHED, 'name', 'first_name'}))
    for row in await client.execute_query_dict(f'SELECT id, {columns} FROM contact'):
        await client.execute_query(f'UPDATE contact SET sort_name = {mark(1)}, search_text = {mark(2)} '
                                   f'WHERE id = {mark(3)}', [sort_name(row), contact_search_text(row), row['id']])
    for row in await client.execute_query_dict('SELECT id, reference, designation FROM article'):
        await client.execute_query(f'UPDATE article SET sort_designation = {mark(1)}, search_text = {mark(2)} '
                                   f'WHERE id = {mark(3)}', [sort_designation(row), article_search_text(row),
                                                             row['id']])


class Migration(migrations.Migration):
    dependencies = [('contacts', '0001_contacts_articles'), ('models', '0001_foundation'), ('models', '0002_audit_append_only')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Counter',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=30)),
                ('value', fields.BigIntField(default=0)),
            ],
            options={'table': 'contacts_counter', 'app': 'contacts', 'pk_attr': 'key', 'table_description': 'A named counter of the contacts area, bumped with an UPDATE first, which locks its row until the'},
            bases=['Model'],
        ),
        # The rows exist before anyone uses them, so that bumping or locking one never races with its creation:
        # 'contact' numbers client codes, 'article_graph' serialises changes to composite articles.
        ops.RunSQL(["""INSERT INTO contacts_counter ("key", "value") VALUES ('contact', 0)""",
                    """INSERT INTO contacts_counter ("key", "value") VALUES ('article_graph', 0)"""],
                   reverse_sql="""DELETE FROM contacts_counter WHERE "key" IN ('contact', 'article_graph')"""),
        ops.AddField(
            model_name='Article',
            name='search_text',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Article',
            name='sort_designation',
            field=fields.CharField(default='', db_default='', max_length=200),
        ),
        ops.AddField(
            model_name='Contact',
            name='search_text',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Contact',
            name='sort_name',
            field=fields.CharField(default='', db_default='', max_length=300),
        ),
        ops.AddIndex(model_name='Article', index=Index(fields=['sort_designation', 'id', 'active'], name='article_sort_designation')),
        ops.AddIndex(model_name='Article', index=Index(fields=['active', 'sort_designation'], name='article_active_sort_designation')),
        ops.AddIndex(model_name='Article', index=Index(fields=['kind', 'sort_designation'], name='article_kind_sort_designation')),
        ops.AddIndex(model_name='Article', index=Index(fields=['is_composite', 'sort_designation'], name='article_is_composite_sort_designation')),
        ops.AddIndex(model_name='Article', index=Index(fields=['sale_price', 'sort_designation'], name='article_sale_price_sort_designation')),
        ops.AddIndex(model_name='Article', index=Index(fields=['sales_account', 'sort_designation'], name='article_sales_account_sort_designation')),
        ops.AddIndex(model_name='Contact', index=Index(fields=['sort_name', 'id', 'active'], name='contact_sort_name')),
        ops.AddIndex(model_name='Contact', index=Index(fields=['kind', 'sort_name'], name='contact_kind_sort_name')),
        ops.AddIndex(model_name='Contact', index=Index(fields=['postcode', 'sort_name'], name='contact_postcode_sort_name')),
        ops.AddIndex(model_name='Contact', index=Index(fields=['city', 'sort_name'], name='contact_city_sort_name')),
        ops.AddIndex(model_name='Contact', index=Index(fields=['siren', 'sort_name'], name='contact_siren_sort_name')),
        ops.AddIndex(model_name='Contact', index=Index(fields=['email', 'sort_name'], name='contact_email_sort_name')),
        ops.AddIndex(model_name='Contact', index=Index(fields=['phone', 'sort_name'], name='contact_phone_sort_name')),
        ops.RunPython(fill_search_columns, ops.RunPython.noop),
    ]
