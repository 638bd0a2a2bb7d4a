"""The contact columns of spreadsheets (CO3, CO6): import fields with their French and English header names,
the full export (which the import reads back), the export of a list as shown, and the sample file.

>>> from logic.importing import guess_mapping
>>> guess_mapping(['Raison sociale', 'CP', 'Town', 'N° TVA', 'Remarque'], import_fields())
{0: 'name', 1: 'postcode', 2: 'city', 3: 'vat_number', 4: None}
"""
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from logic.choices import lookup, vat_rate_lookup
from logic.contact import ADDRESS_KINDS, CLEANERS, CLIENT_CATEGORIES, CONTACT_KINDS, PERSON_TYPES, cross_check
from logic.identifiers import format_siren
from logic.importing import Field, ImportPreview, Problem, parse_bool_fr, validate_rows
from logic.tabular import Table, csv_bytes
from logic.xlsx_writer import Sheet, xlsx_bytes


@dataclass(kw_only=True, slots=True, frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    width: int = 16


# Import and full export, in this order. Keys are Contact fields (foreign keys as their *_id).
COLUMNS = [
    Column(key='code', label='Code', aliases=('Code client', 'Code contact', 'Client code', 'Customer code',
                                              'Customer ID', 'Customer number', 'N° client'), width=10),
    Column(key='kind', label='Type', aliases=('Type de contact', 'Contact type'), width=12),
    Column(key='is_company', label='Société ou particulier', aliases=('Personne', 'Type de personne',
                                                                      'Company or person'), width=14),
    Column(key='category', label='Catégorie', aliases=('Catégorie de client', 'Category', 'Client category'),
           width=22),
    Column(key='name', label='Nom', aliases=('Raison sociale', 'Société', 'Entreprise', 'Dénomination',
                                             'Nom de famille', 'Name', 'Company', 'Company name', 'Last name',
                                             'Surname'), width=30),
    Column(key='first_name', label='Prénom', aliases=('First name', 'Firstname', 'Given name'), width=16),
    Column(key='legal_form', label='Forme juridique', aliases=('Forme', 'Legal form'), width=12),
    Column(key='siren', label='SIREN', aliases=('N° SIREN', 'Numéro SIREN', 'Siren number'), width=12),
    Column(key='siret', label='SIRET', aliases=('N° SIRET', 'Numéro SIRET', 'Siret number'), width=16),
    Column(key='vat_number', label='N° TVA intracommunautaire', aliases=(
        'TVA intracommunautaire', 'N° TVA', 'Numéro de TVA', 'TVA intra', 'VAT number', 'VAT ID', 'VAT'),
        width=17),
    Column(key='electronic_address', label='Adresse de facturation électronique', aliases=(
        'Adresse électronique', 'E-invoicing address', 'Electronic address'), width=20),
    Column(key='email', label='E-mail', aliases=('Email', 'Courriel', 'Mail', 'Adresse e-mail', 'E-mail address'),
           width=28),
    Column(key='phone', label='Téléphone', aliases=('Tél', 'Tel', 'Téléphone fixe', 'Phone', 'Telephone'),
           width=16),
    Column(key='mobile', label='Mobile', aliases=('Portable', 'Téléphone portable', 'Mobile phone', 'Cell'),
           width=16),
    Column(key='website', label='Site web', aliases=('Site internet', 'Site', 'Web', 'Website', 'URL'),
           width=24),
    Column(key='address', label='Adresse', aliases=('Adresse 1', 'Rue', 'Address', 'Address 1', 'Street'),
           width=30),
    Column(key='address2', label='Complément d’adresse', aliases=('Adresse 2', 'Address 2', 'Address line 2'),
           width=20),
    Column(key='postcode', label='Code postal', aliases=('CP', 'Postcode', 'Post code', 'Postal code', 'ZIP',
                                                         'Zip code'), width=10),
    Column(key='city', label='Ville', aliases=('Commune', 'Localité', 'City', 'Town'), width=20),
    Column(key='country', label='Pays', aliases=('Code pays', 'Country', 'Country code'), width=6),
    Column(key='iban', label='IBAN', width=32),
    Column(key='bic', label='BIC', aliases=('BIC/SWIFT', 'SWIFT', 'Code BIC'), width=12),
    Column(key='mandate_reference', label='Référence du mandat SEPA', aliases=(
        'RUM', 'Mandat', 'Référence de mandat', 'Mandate reference'), width=18),
    Column(key='mandate_signed_on', label='Date de signature du mandat', aliases=(
        'Date du mandat', 'Date de signature', 'Mandate date', 'Mandate signature date'), width=12),
    Column(key='account', label='Compte client', aliases=('Compte comptable', 'Compte', 'Compte auxiliaire',
                                                          'Account', 'Customer account'), width=12),
    Column(key='default_vat_rate_id', label='TVA par défaut', aliases=('Taux de TVA', 'TVA', 'Default VAT rate',
                                                                       'VAT rate'), width=16),
    Column(key='default_payment_method_id', label='Mode de règlement', aliases=(
        'Conditions de règlement', 'Règlement', 'Payment method', 'Payment terms'), width=22),
    # No alias: a derogation lifts a legal ceiling, so only a column that names it exactly is read (docs/legal.md 7).
    Column(key='payment_terms_derogation', label='Dérogation aux délais de paiement', width=24),
    Column(key='notes', label='Notes', aliases=('Remarques', 'Commentaire', 'Commentaires', 'Observations',
                                                'Comments'), width=30),
    Column(key='active', label='Actif', aliases=('Active',), width=7),
]
EXTRA_EXPORT = [Column(key='created_at', label='Créé le', width=16), Column(key='updated_at', label='Modifié le',
                                                                            width=16)]
# The list as shown on the screen (export of the selection).
LIST_COLUMNS = [
    Column(key='code', label='Code', width=10), Column(key='name', label='Nom', width=32),
    Column(key='kind', label='Type', width=12), Column(key='postcode', label='Code postal', width=10),
    Column(key='city', label='Ville', width=22), Column(key='siren', label='SIREN', width=12),
    Column(key='email', label='E-mail', width=28),
    Column(key='phone', label='Téléphone', width=16),
]
ADDRESS_COLUMNS = [
    Column(key='contact_code', label='Code du contact', width=12),
    Column(key='kind', label='Type d’adresse', width=12), Column(key='label', label='Libellé', width=20),
    Column(key='address', label='Adresse', width=30), Column(key='address2', label='Complément d’adresse', width=20),
    Column(key='postcode', label='Code postal', width=10), Column(key='city', label='Ville', width=20),
    Column(key='country', label='Pays', width=6),
]
EXPORT_FIELDS = [column.key for column in COLUMNS + EXTRA_EXPORT]


def import_fields(vat_rates: list[tuple[int, Decimal, str]] = (),
                  payment_methods: dict[str, int] | None = None) -> list[Field]:
    """Import fields; the VAT rates (id, rate, label) and payment methods (name -> id) come from the settings."""
    parsers: dict[str, Callable[[str], object]] = {
        **CLEANERS, 'active': parse_bool_fr,
        'default_vat_rate_id': vat_rate_lookup(list(vat_rates)),
        'default_payment_method_id': lookup('Mode de règlement inconnu', payment_methods or {}),
        'payment_terms_derogation': clean_payment_terms_derogation,
    }
    return [Field(key=column.key, label=column.label, aliases=column.aliases, parse=parsers[column.key],
                  required=column.key == 'name', unique=column.key == 'code') for column in COLUMNS]


def clean_payment_terms_derogation(text: object) -> str:
    """The reference or reason of an agreement that lets a client's due dates exceed the B2B ceiling of C. com.
    L441-10 (docs/legal.md 7): one line of at most 200 characters; empty means no derogation.

    >>> clean_payment_terms_derogation('  Accord cadre   n° 2026-14 ')
    'Accord cadre n° 2026-14'
    """
    cleaned = ' '.join(str(text or '').split())
    if len(cleaned) > DEROGATION_LENGTH:
        raise ValueError(f'La dérogation aux délais de paiement tient en {DEROGATION_LENGTH} caractères au plus : '
                         'indiquez la référence de l’accord.')
    return cleaned


DEROGATION_LENGTH = 200


def preview_import(table: Table, mapping: dict[int, str | None], fields: list[Field]) -> ImportPreview:
    """Every problem of the file at once: each cell, then the checks between cells of a row (a SIRET that is not
    its SIREN's), even on rows whose other cells are wrong. Problems come row by row."""
    preview = validate_rows(table, mapping, fields)
    columns = {key: index for index, key in mapping.items() if key in _CROSS_CHECKED}
    for offset, row in enumerate(table.rows):
        values = {}
        for key, index in columns.items():
            try:
                values[key] = CLEANERS[key](row[index]) if row[index] else ''
            except ValueError:
                pass  # already reported by validate_rows
        for key, message in cross_check(values).items():
            preview.problems.append(Problem(row=offset + 2, column=table.headers[columns[key]], message=message))
    if any(problem.row for problem in preview.problems):
        preview.problems.sort(key=lambda problem: problem.row)
        preview.records.clear()
        preview.row_numbers.clear()
    return preview


_CROSS_CHECKED = ('siren', 'siret', 'vat_number', 'mandate_reference', 'mandate_signed_on')


@dataclass(kw_only=True, slots=True)
class Labels:
    """Names of the settings rows a contact points to, for exports: id -> label."""
    vat_rates: dict[int, str]
    payment_methods: dict[int, str]


def export_row(record: dict, labels: Labels) -> list:
    """A contact (the values of EXPORT_FIELDS) as a row of the full export, readable again by the import."""
    row = []
    for key in EXPORT_FIELDS:
        value = record.get(key)
        if key == 'kind':
            value = CONTACT_KINDS.get(value, value)
        elif key == 'is_company':
            value = PERSON_TYPES[bool(value)]
        elif key == 'category':
            value = CLIENT_CATEGORIES.get(value, value)
        elif key == 'default_vat_rate_id':
            value = labels.vat_rates.get(value, '') if value else ''
        elif key == 'default_payment_method_id':
            value = labels.payment_methods.get(value, '') if value else ''
        row.append(value)
    return row


def list_row(record: dict) -> list:
    """A contact as listed on the screen: a person's last name first (the list's order), the type in French, the
    SIREN grouped."""
    name = record['name']
    if not record.get('is_company') and record.get('first_name'):
        name = f'{name} {record["first_name"]}'
    return [record['code'], name, CONTACT_KINDS.get(record['kind'], record['kind']), record['postcode'],
            record['city'], format_siren(record['siren']) if record['siren'] else '', record['email'],
            record['phone']]


def address_row(address: dict) -> list:
    return [ADDRESS_KINDS.get(address[column.key], address[column.key]) if column.key == 'kind'
            else address.get(column.key) for column in ADDRESS_COLUMNS]


def export_workbook(records: list[dict], labels: Labels, *, full: bool, addresses: list[dict] = ()) -> bytes:
    """The XLSX file of an export: every field and a sheet of further addresses, or the list as shown. Pure and
    picklable, for `run.cpu_bound`."""
    if not full:
        return xlsx_bytes([Sheet(title='Contacts', headers=[column.label for column in LIST_COLUMNS],
                                 rows=(list_row(record) for record in records),
                                 column_widths=[column.width for column in LIST_COLUMNS])])
    columns = COLUMNS + EXTRA_EXPORT
    sheets = [Sheet(title='Contacts', headers=[column.label for column in columns],
                    rows=(export_row(record, labels) for record in records),
                    column_widths=[column.width for column in columns])]
    sheets.append(Sheet(title='Adresses', headers=[column.label for column in ADDRESS_COLUMNS],
                        rows=(address_row(address) for address in addresses),
                        column_widths=[column.width for column in ADDRESS_COLUMNS]))
    return xlsx_bytes(sheets)


SAMPLE_ROWS = [
    {'code': '', 'kind': 'Client', 'is_company': 'Société', 'category': 'Entreprise française',
     'name': 'Menuiserie Besson', 'legal_form': 'SARL', 'siren': '552 100 554', 'vat_number': 'FR96552100554',
     'email': 'contact@menuiserie-besson.fr', 'phone': '04 78 12 34 56', 'address': '8 rue Juliette Récamier',
     'postcode': '69006', 'city': 'Lyon', 'country': 'FR', 'iban': 'FR14 2004 1010 0505 0001 3M02 606',
     'bic': 'PSSTFRPPLYO', 'mandate_reference': 'RUM-2024-0001', 'mandate_signed_on': '15/01/2024',
     'notes': 'Livraison le matin uniquement', 'active': 'Oui'},
    {'code': '', 'kind': 'Prospect', 'is_company': 'Particulier', 'category': 'Particulier', 'name': 'Martin',
     'first_name': 'Élise', 'email': 'elise.martin@example.fr', 'mobile': '06 12 34 56 78',
     'address': '3 place du Marché', 'postcode': '35000', 'city': 'Rennes', 'country': 'FR', 'active': 'Oui'},
    {'code': 'F0001', 'kind': 'Fournisseur', 'is_company': 'Société', 'category': 'Entreprise de l’UE',
     'name': 'Holzwerk GmbH', 'vat_number': 'DE136695976', 'email': 'info@holzwerk.example',
     'address': 'Hauptstraße 5', 'postcode': '10115', 'city': 'Berlin', 'country': 'DE', 'account': '401F0001',
     'active': 'Oui'},
]


def sample_csv() -> bytes:
    """A CSV as French Excel writes it (';' separated, UTF-8 with a BOM so that accents show), with every column."""
    return csv_bytes([column.label for column in COLUMNS],
                     ([sample.get(column.key, '') for column in COLUMNS] for sample in SAMPLE_ROWS))
