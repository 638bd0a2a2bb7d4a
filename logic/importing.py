"""An all-or-nothing import engine for contacts and articles (CO3, AR2).

The page reads the file with `logic.tabular.read_table`, proposes a column mapping with `guess_mapping`, lets the
user correct it, then shows `validate_rows`' problems. Records are handed over only when there is no problem at
all: a file is imported whole or not at all, so that a user never has to find out which half went in.

>>> fields = [Field(key='name', label='Nom', required=True), Field(key='zip', label='Code postal', aliases=('CP',))]
>>> guess_mapping(['cp', 'NOM', 'Remarque'], fields)
{0: 'zip', 1: 'name', 2: None}
"""

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from logic.money import AMOUNT_UNITS, MoneyError, parse_number
from logic.tabular import Table


@dataclass(kw_only=True, slots=True)
class Field:
    """A target field. `parse` turns the cell text into a value or raises ValueError with a French message."""
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    parse: Callable[[str], object] | None = None
    unique: bool = False


@dataclass(kw_only=True, slots=True)
class Problem:
    """Something the user must fix in the file. `row` is the spreadsheet row (header = 1); 0 is the file as a whole."""
    row: int
    column: str
    message: str


@dataclass(kw_only=True, slots=True)
class ImportPreview:
    """`records[i]` came from spreadsheet row `row_numbers[i]`, for errors found later (e.g. a SIREN already known).

    Records are empty as soon as there is one problem. An empty cell leaves its key out of the record, so that
    the model's default applies. `mapped` tells, for each mapped field key, the file header it is read from.
    """
    records: list[dict[str, object]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def refuse(self, problems: list[Problem]) -> None:
        """Add problems found later (in the base): the rows stay listed in order and nothing is left to import."""
        if not problems:
            return
        self.problems.extend(problems)
        self.problems.sort(key=lambda problem: problem.row)
        self.records.clear()
        self.row_numbers.clear()


def guess_mapping(headers: list[str], fields: Sequence[Field]) -> dict[int, str | None]:
    """Map each column to the field whose key, label or alias it spells, ignoring case, accents and punctuation.

    A field is mapped at most once, to the first column that names it; other columns are ignored (None).
    """
    names: dict[str, str] = {}
    # Keys and labels first: an alias of one field never takes a column that names another field exactly.
    for name, key in [(name, item.key) for item in fields for name in (item.key, item.label)] + \
            [(alias, item.key) for item in fields for alias in item.aliases]:
        names.setdefault(_normalise(name), key)
    mapping: dict[int, str | None] = {}
    for index, header in enumerate(headers):
        key = names.get(_normalise(header))
        mapping[index] = key if key not in mapping.values() else None
    return mapping


def validate_rows(table: Table, mapping: dict[int, str | None], fields: Sequence[Field]) -> ImportPreview:
    """Parse every mapped cell and report every problem at once, so that the user fixes the file in one go."""
    by_key = {item.key: item for item in fields}
    preview = ImportPreview()
    columns: list[tuple[int, Field]] = []
    for index, key in sorted(mapping.items()):
        if key is None:
            continue
        if key not in by_key:
            raise KeyError(f'unknown import field {key!r}')  # a programming error, not the user's
        if key in preview.mapped:
            preview.problems.append(Problem(row=0, column=by_key[key].label, message=(
                f'Le champ « {by_key[key].label} » est associé à deux colonnes : « {preview.mapped[key]} » et '
                f'« {table.headers[index]} ». Choisissez-en une seule.')))
            continue
        preview.mapped[key] = table.headers[index]
        columns.append((index, by_key[key]))
    for item in fields:
        if item.required and item.key not in preview.mapped:
            preview.problems.append(Problem(row=0, column=item.label, message=(
                f'Colonne obligatoire manquante : « {item.label} ». Associez-lui une colonne du fichier.')))

    seen: dict[str, dict[object, int]] = {item.key: {} for _, item in columns if item.unique}
    for offset, row in enumerate(table.rows):
        if not any(row):
            continue  # a blank line inside the data is not an error
        row_number = offset + 2
        record, row_problems = _parse_row(row, row_number, columns, table.headers, seen)
        preview.problems.extend(row_problems)
        if not preview.problems:
            preview.records.append(record)
            preview.row_numbers.append(row_number)
    if preview.problems:
        preview.records.clear()
        preview.row_numbers.clear()
    elif not preview.records:
        preview.problems.append(Problem(row=0, column='', message='Le fichier ne contient aucune ligne à importer.'))
    return preview


def format_problems(problems: Sequence[Problem], *, limit: int | None = None) -> list[str]:
    """French lines for the command line or a notification.

    « Ligne 5, colonne « SIREN » : SIREN invalide : la clé de contrôle ne correspond pas. »
    """
    lines = []
    for problem in problems[:limit]:
        # Problems about the file as a whole (row 0) already name their column.
        lines.append(f'Ligne {problem.row}, colonne « {problem.column} » : {problem.message}' if problem.row
                     else problem.message)
    if limit is not None and len(problems) > limit:
        lines.append(f'… et {len(problems) - limit} autre(s) erreur(s).')
    return lines


def _parse_row(row: list[str], row_number: int, columns: list[tuple[int, Field]], headers: list[str],
               seen: dict[str, dict[object, int]]) -> tuple[dict[str, object], list[Problem]]:
    record: dict[str, object] = {}
    problems = []
    for index, item in columns:
        text = row[index] if index < len(row) else ''
        if not text:
            if item.required:
                problems.append(Problem(row=row_number, column=headers[index],
                                        message=f'Valeur obligatoire manquante ({item.label}).'))
            continue
        try:
            value = item.parse(text) if item.parse else text
        except ValueError as exc:
            problems.append(Problem(row=row_number, column=headers[index], message=str(exc)))
            continue
        if item.unique:
            # 'abc' and 'ABC' are the same reference to a user, even if the database would accept both.
            identity = value.casefold() if isinstance(value, str) else value
            first = seen[item.key].setdefault(identity, row_number)
            if first != row_number:
                problems.append(Problem(row=row_number, column=headers[index], message=(
                    f'« {text} » figure deux fois dans cette colonne (lignes {first} et {row_number}) : '
                    'chaque valeur doit être unique.')))
                continue
        record[item.key] = value
    return record, problems


def _normalise(name: str) -> str:
    """'Code postal', 'code_postal' and 'CODE-POSTAL' all give 'codepostal'; 'Téléphone' gives 'telephone'."""
    decomposed = unicodedata.normalize('NFKD', name.casefold())
    return ''.join(char for char in decomposed if char.isalnum() and not unicodedata.combining(char))


# --- Ready-made parsers -------------------------------------------------------------------------------------------

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 because Excel counts a 29 February 1900


def parse_decimal_fr(text: str, places: int | None = None, *, label: str = 'Nombre') -> Decimal:
    """A number as French users and their spreadsheets write it: the app's one rule (logic.money.parse_number, the
    editor's too), any number of decimals unless `places` limits them; a unit '€' or 'EUR' may follow.

    >>> parse_decimal_fr('1 234,50'), parse_decimal_fr('1.234,50'), parse_decimal_fr('-12.5 €')
    (Decimal('1234.50'), Decimal('1234.50'), Decimal('-12.5'))

    A single ',' or '.' is the decimal mark ('1.234' is 1.234). When both appear, the last one is; the other
    groups thousands, as does a repeated mark or a space, and groups must then have three digits ('12,5,0' and
    '12 34,5' fail).
    """
    try:
        return parse_number(text, places=places, label=label, units=AMOUNT_UNITS)
    except MoneyError as error:
        if error.reason == 'missing':
            raise ValueError('Aucun nombre saisi.') from None
        if error.reason == 'invalid':  # the import names the cell: the example says what is expected
            raise ValueError(f'« {text.strip()} » n’est pas un nombre valide (exemple : 1 234,50).') from None
        raise


def parse_percent(text: str) -> Decimal:
    """'20 %', '20%', '5,5' -> Decimal('20'), Decimal('20'), Decimal('5.5'), between 0 and 100."""
    try:
        value = parse_decimal_fr(text.strip().removesuffix('%'))
    except ValueError:
        raise ValueError(f'« {text.strip()} » n’est pas un pourcentage valide (exemple : 20 ou 5,5 %).') from None
    if not 0 <= value <= 100:
        raise ValueError(f'« {text.strip()} » : un pourcentage doit être compris entre 0 et 100.')
    return value


def parse_int(text: str) -> int:
    try:
        value = parse_decimal_fr(text)
    except ValueError:
        value = None
    if value is None or value != value.to_integral_value():
        raise ValueError(f'« {text.strip()} » n’est pas un nombre entier.')
    return int(value)


def parse_bool_fr(text: str) -> bool:
    """A yes/no column: 'oui', 'non', 'vrai', 'faux', '1', '0', 'yes', 'no', or 'x' for a ticked box."""
    answer = _normalise(text)
    if answer in ('oui', 'o', 'vrai', '1', 'yes', 'y', 'true', 'x'):
        return True
    if answer in ('non', 'n', 'faux', '0', 'no', 'false'):
        return False
    raise ValueError(f'« {text.strip()} » : répondez par oui ou non.')


def parse_date_fr(text: str) -> date:
    """'31/01/2024', '2024-01-31' and Excel's serial number '45322' (a date that became a number) are all accepted."""
    cleaned = text.strip()
    try:
        if match := re.fullmatch(r'([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})', cleaned):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := re.fullmatch(r'([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9:.]+)?', cleaned):
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f'« {cleaned} » : cette date n’existe pas.') from None
    if match := re.fullmatch(r'([0-9]{5})(?:\.[0-9]+)?', cleaned):
        serial = int(match[1])
        # Only serials from 1970 to 2099: a bare year or an amount must not pass for a date.
        if 25569 <= serial <= 73050:
            return _EXCEL_EPOCH + timedelta(days=serial)
    raise ValueError(f'« {cleaned} » n’est pas une date valide (format attendu : JJ/MM/AAAA).')
