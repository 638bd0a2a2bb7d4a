"""What the lines of a document choose from (DOC1): VAT rates, units, and the articles a search finds.

Plain values, loaded by the page (pages/document_page.py `load_choices`) and passed to the editor.
"""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

from logic.draft import DraftLine
from logic.money import CENT


@dataclass(kw_only=True, slots=True, frozen=True)
class VatChoice:
    """A VAT rate the lines may use, from Paramètres > Listes par défaut."""

    rate: Decimal
    label: str
    category: str = 'S'
    exemption_reason: str = ''
    exemption_code: str = ''  # VATEX (EN 16931 BT-121), copied to the lines with the reason

    @property
    def key(self) -> str:
        return vat_key(self.category, self.rate)


@dataclass(kw_only=True, slots=True, frozen=True)
class UnitChoice:
    name: str
    code: str = 'C62'


@dataclass(kw_only=True, slots=True, frozen=True)
class ArticleChoice:
    """An article found by the search: its label in the list and the line it makes on a document."""

    id: int
    label: str
    line: DraftLine


SearchArticles = Callable[[str], Awaitable[list[ArticleChoice] | None]]
CreateArticle = Callable[[dict], Awaitable[ArticleChoice | None]]


def vat_key(category: str, rate: Decimal) -> str:
    return f'{category}:{Decimal(rate).quantize(CENT)}'
