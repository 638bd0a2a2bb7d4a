"""Reading a choice from a spreadsheet cell: a unit, a VAT rate, a payment method, by name or by code.

The lists live in the database; the page or the command line passes them in, so that parsing stays pure.

>>> unit = lookup('Unité inconnue', {'heure': 2, 'HUR': 2, 'jour': 3})
>>> unit('Heure'), unit('hur')
(2, 2)
>>> vat = vat_rate_lookup([(1, Decimal('20'), 'TVA 20 %'), (5, Decimal('0'), 'Exonéré'), (6, Decimal('0'), 'Export')])
>>> vat('20'), vat('20 %'), vat('0,2'), vat('Export')
(1, 1, 1, 6)
"""
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from logic.importing import parse_decimal_fr
from logic.search_text import fold


def spelling(text: str) -> str:
    """What a choice spells, whatever its case, accents, spaces and punctuation."""
    return ''.join(char for char in fold(text) if char.isalnum())


def lookup(unknown: str, choices: dict[str, int]) -> Callable[[str], int]:
    """A parser returning the id of the choice the cell names, or a French error (« Unité inconnue : ... »)
    listing a few valid names."""
    table = {spelling(name): value for name, value in choices.items()}

    def parse(text: str) -> int:
        value = table.get(spelling(text))
        if value is None:
            known = ', '.join(list(choices)[:8])
            raise ValueError(f'{unknown} : « {text.strip()} » (valeurs possibles : {known}).')
        return value

    return parse


@dataclass(kw_only=True, slots=True, frozen=True)
class _Rates:
    by_label: dict[str, int]
    by_rate: dict[Decimal, list[int]]


def vat_rate_lookup(rates: list[tuple[int, Decimal, str]]) -> Callable[[str], int]:
    """Rates given as (id, rate in %, label). A cell names a rate by its label ('Exonéré (franchise en base)') or
    its value ('20', '5,5 %', or Excel's 0.2 for a cell formatted as a percentage); a value shared by several rates
    (the 0 % exemptions) must be named by its label."""
    known = _Rates(by_label={spelling(label): rate_id for rate_id, _, label in rates}, by_rate={})
    for rate_id, rate, _ in rates:
        known.by_rate.setdefault(Decimal(rate).normalize(), []).append(rate_id)

    def parse(text: str) -> int:
        if spelling(text) in known.by_label:
            return known.by_label[spelling(text)]
        try:
            value = parse_decimal_fr(text.strip().removesuffix('%').strip())
        except ValueError:
            value = None
        if value is not None and value < 1 and not text.strip().endswith('%') and value * 100 in known.by_rate:
            value = value * 100  # a percentage cell read back as its fraction
        ids = known.by_rate.get(value.normalize()) if value is not None else None
        if ids and len(ids) == 1:
            return ids[0]
        if ids:
            raise ValueError(f'« {text.strip()} » : plusieurs taux de TVA valent {text.strip()} ; indiquez leur '
                             'libellé (par exemple « Exonéré (franchise en base) »).')
        raise ValueError(f'Taux de TVA inconnu : « {text.strip()} ». Ajoutez-le dans Paramètres > Listes par défaut '
                         'ou corrigez la cellule.')

    return parse
