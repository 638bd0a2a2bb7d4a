"""The article columns of spreadsheets (AR2, AR3): import fields with French and English header names, the full
export (which the import reads back), the export of a list as shown, and the sample file.

>>> from logic.importing import guess_mapping
>>> guess_mapping(['Réf.', 'Libellé', 'PU HT', 'TVA %', 'Stock'], import_fields())
{0: 'reference', 1: 'designation', 2: 'sale_price', 3: 'vat_rate_id', 4: None}
"""
import csv
import io
from decimal import Decimal

from logic.article import ARTICLE_KINDS, CLEANERS
from logic.choices import lookup, vat_rate_lookup
from logic.contact_fields import Column
from logic.importing import Field, ImportPreview, parse_bool_fr, validate_rows
from logic.tabular import Table
from logic.xlsx_writer import Sheet, xlsx_bytes

COLUMNS = [
    Column(key='reference', label='Référence', aliases=('Réf', 'Réf.', 'Ref', 'Code article', 'Code', 'Reference',
                                                        'SKU', 'Item code', 'Product code'), width=14),
    Column(key='kind', label='Type', aliases=('Type d’article', 'Nature', 'Kind', 'Item type'), width=12),
    Column(key='designation', label='Désignation', aliases=('Libellé', 'Nom', 'Article', 'Produit', 'Designation',
                                                            'Name', 'Label', 'Item', 'Product'), width=36),
    Column(key='description', label='Description', aliases=('Description longue', 'Détail', 'Details',
                                                            'Long description'), width=40),
    Column(key='unit_id', label='Unité', aliases=('Unité de mesure', 'U', 'Unit', 'UOM'), width=10),
    Column(key='sale_price', label='Prix de vente HT', aliases=(
        'Prix HT', 'Prix unitaire HT', 'PU HT', 'Prix de vente', 'Prix', 'Tarif', 'Sale price', 'Unit price',
        'Price'), width=14),
    Column(key='purchase_price', label='Prix d’achat HT', aliases=('Prix d’achat', 'Coût', 'Coût d’achat',
                                                                  'Purchase price', 'Cost'), width=14),
    Column(key='vat_rate_id', label='TVA', aliases=('Taux de TVA', 'TVA %', 'Taux TVA', 'VAT', 'VAT rate',
                                                    'Tax rate'), width=12),
    Column(key='sales_account', label='Compte de vente', aliases=('Compte comptable', 'Compte', 'Sales account',
                                                                  'Account'), width=12),
    Column(key='active', label='Actif', aliases=('Active',), width=7),
]
EXTRA_EXPORT = [Column(key='is_composite', label='Composé', width=9),
                Column(key='fixed_price', label='Prix fixe', width=9),
                Column(key='created_at', label='Créé le', width=16),
                Column(key='updated_at', label='Modifié le', width=16)]
LIST_COLUMNS = [
    Column(key='reference', label='Référence', width=14),
    Column(key='designation', label='Désignation', width=40), Column(key='kind', label='Type', width=12),
    Column(key='unit_id', label='Unité', width=10), Column(key='sale_price', label='Prix de vente HT', width=14),
    Column(key='vat_rate_id', label='TVA', width=12),
    Column(key='sales_account', label='Compte de vente', width=12),
]
COMPONENT_COLUMNS = [Column(key='parent', label='Article composé', width=16),
                     Column(key='part', label='Composant', width=16),
                     Column(key='quantity', label='Quantité', width=10)]
EXPORT_FIELDS = [column.key for column in COLUMNS + EXTRA_EXPORT]


def import_fields(vat_rates: list[tuple[int, Decimal, str]] = (), units: dict[str, int] | None = None) -> list[Field]:
    """Import fields; VAT rates (id, rate, label) and units (name or UN/ECE code -> id) come from the settings."""
    parsers = {**CLEANERS, 'active': parse_bool_fr, 'vat_rate_id': vat_rate_lookup(list(vat_rates)),
               'unit_id': lookup('Unité inconnue', units or {})}
    return [Field(key=column.key, label=column.label, aliases=column.aliases, parse=parsers[column.key],
                  required=column.key in ('reference', 'designation'), unique=column.key == 'reference')
            for column in COLUMNS]


def export_row(record: dict, units: dict[int, str], vat_rates: dict[int, str]) -> list:
    """An article (the values of EXPORT_FIELDS) as a row of the full export, readable again by the import."""
    row = []
    for key in EXPORT_FIELDS:
        value = record.get(key)
        if key == 'kind':
            value = ARTICLE_KINDS.get(value, value)
        elif key == 'unit_id':
            value = units.get(value, '') if value else ''
        elif key == 'vat_rate_id':
            value = vat_rates.get(value, '') if value else ''
        row.append(value)
    return row


def list_row(record: dict, units: dict[int, str], vat_rates: dict[int, str]) -> list:
    return [record['reference'], record['designation'], ARTICLE_KINDS.get(record['kind'], record['kind']),
            units.get(record['unit_id'], '') if record['unit_id'] else '', record['sale_price'],
            vat_rates.get(record['vat_rate_id'], '') if record['vat_rate_id'] else '', record['sales_account']]


def export_workbook(records: list[dict], units: dict[int, str], vat_rates: dict[int, str], *, full: bool,
                    components: list[dict] = ()) -> bytes:
    """The XLSX file of an export: every field and a sheet of the composites' parts, or the list as shown. Pure
    and picklable, for `run.cpu_bound`."""
    columns = COLUMNS + EXTRA_EXPORT if full else LIST_COLUMNS
    make_row = export_row if full else list_row
    sheets = [Sheet(title='Articles', headers=[column.label for column in columns],
                    rows=(make_row(record, units, vat_rates) for record in records),
                    column_widths=[column.width for column in columns])]
    if full:
        sheets.append(Sheet(title='Composants', headers=[column.label for column in COMPONENT_COLUMNS],
                            rows=([part[column.key] for column in COMPONENT_COLUMNS] for part in components),
                            column_widths=[column.width for column in COMPONENT_COLUMNS]))
    return xlsx_bytes(sheets)


SAMPLE_ROWS = [
    {'reference': 'POSE-H', 'kind': 'Prestation', 'designation': 'Main d’œuvre de pose',
     'description': 'Pose par un compagnon qualifié, déplacement compris', 'unit_id': 'heure',
     'sale_price': '45,00', 'purchase_price': '', 'vat_rate_id': '20', 'sales_account': '706000', 'active': 'Oui'},
    {'reference': 'PARQ-CH-14', 'kind': 'Bien', 'designation': 'Parquet chêne massif 14 mm',
     'unit_id': 'm²', 'sale_price': '62,50', 'purchase_price': '38,20', 'vat_rate_id': '10',
     'sales_account': '707000', 'active': 'Oui'},
    {'reference': 'VIS-4x40', 'kind': 'Bien', 'designation': 'Vis inox 4 x 40 (boîte de 200)', 'unit_id': 'unité',
     'sale_price': '12,9', 'purchase_price': '6,125', 'vat_rate_id': '20 %', 'sales_account': '707000',
     'active': 'Oui'},
]


def sample_csv() -> bytes:
    """A CSV as French Excel writes it (';' separated, UTF-8 with a BOM), with every column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=';', lineterminator='\r\n')
    writer.writerow([column.label for column in COLUMNS])
    for sample in SAMPLE_ROWS:
        writer.writerow([sample.get(column.key, '') for column in COLUMNS])
    return buffer.getvalue().encode('utf-8-sig')


def preview_import(table: Table, mapping: dict[int, str | None], fields: list[Field]) -> ImportPreview:
    """Every problem of the file at once (articles have no checks between cells of a row)."""
    return validate_rows(table, mapping, fields)
