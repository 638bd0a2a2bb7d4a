"""The registry of document types: what each kind of document is, declared once (read by db/, pages, render, XML).

A new kind of document (order, delivery note, progress invoice...) is one `DocType(...)` entry in `TYPES` below,
plus its numbering `Series` when it has its own. Everything else asks this module: "is it a legal document?",
"which series numbers it?", "can it be credited?", "what is its Factur-X type code?". No other module keeps a
tuple of type names.

>>> doc_type('deposit_invoice').series, doc_type('deposit_invoice').type_code, doc_type('credit_note').creditable
('invoice', '386', False)
>>> keys(legal=True)
('invoice', 'deposit_invoice', 'progress_invoice', 'credit_note')
>>> keys(creditable=True)
('invoice', 'deposit_invoice', 'progress_invoice')
>>> keys(family='invoice', listed=True)
('invoice', 'deposit_invoice', 'progress_invoice', 'credit_note')
>>> doc_type('quote').article_label
'Le devis'
>>> keys(revenue=True)
('invoice', 'progress_invoice', 'credit_note')
"""
from dataclasses import dataclass, fields
from typing import Literal

NumberedAt = Literal['creation', 'validation', 'never']


@dataclass(kw_only=True, slots=True, frozen=True)
class DocType:
    """One kind of document.

    - `legal`: an accounting document (docs/legal.md 2): numbered at validation in a gapless chronological series,
      frozen, chained, never deleted once validated; it goes through `db.issuing` and nowhere else.
    - `family`: the list page that shows it (the "Factures" list shows invoices, deposit invoices, progress
      invoices and credit notes); `machine`: the state machine it follows (logic/states.py).
    - `type_code`: UNTDID 1001 code of its e-invoice (Factur-X), None when it has no e-invoice.
    - `converts_to`: the types a document of this type can be turned into (a quote into an invoice...).
    """

    key: str
    label: str
    plural: str
    article_label: str  # 'La facture', 'Le devis': the subject of French messages
    family: str
    series: str | None
    legal: bool = False
    numbered_at: NumberedAt = 'creation'
    machine: str | None = None
    state_labels: str | None = None  # the French state names (logic.states.LABELS) when not its machine's own
    type_code: str | None = None
    creditable: bool = False
    writable_off: bool = False  # can be passed as irrecoverable (PA7)
    sendable: bool = True
    creatable: bool = False  # made directly (a draft from the editor), not only by another operation
    drafted: bool = False  # a legal type that lives as an editable draft until its validation issues it
    scheduled: bool = False  # has a payment schedule (IN5) and deducts its quote's deposit invoices (DE5)
    issued_final: bool = False  # once issued, only printed and sent: undone elsewhere (a credit note, a deposit)
    vat_included: bool = False  # lines priced including VAT (a deposit invoice totals exactly the money received)
    converts_to: tuple[str, ...] = ()
    template_field: str = 'invoice_template_id'  # the contact's preferred print template for this type
    listed: bool = True  # a real document stored in the documents table (False: a printout only)
    option: str | None = None  # the option (Paramètres > Options, SE2) that switches the type on and off
    # Follows deliveries: its lines are delivered by delivery notes (db/deliveries.py), what is left is freed when it
    # is cancelled.
    delivered: bool = False
    # A receipt for goods (a delivery note): printed with or without prices, with a "Bon pour réception" block for
    # the receiver to sign, and no payment terms (it is not what is paid).
    receipt: bool = False
    # Counts in the turnover ("chiffre d'affaires") once issued. A deposit invoice does not: the accountant books it as
    # an advance received (4191) and the final invoice carries the whole sale; a credit note of a deposit invoice
    # (its source's type does not count) does not either (logic/dashboard.py).
    revenue: bool = False

    @property
    def einvoice(self) -> bool:
        return self.type_code is not None


@dataclass(kw_only=True, slots=True, frozen=True)
class Series:
    """A numbering series (SE4). `chronological`: a number never carries an earlier date than the one before it
    (docs/legal.md 2.1); every legal series is, and so is the payments journal's."""

    key: str
    label: str
    pattern: str  # the default pattern (logic/numbering.py renders it)
    chronological: bool = False


SERIES: dict[str, Series] = {series.key: series for series in (
    Series(key='quote', label='Devis', pattern='D{AAAA}-{N:5}'),
    Series(key='invoice', label="Factures et factures d'acompte", pattern='F{AAAA}-{N:5}', chronological=True),
    Series(key='credit_note', label='Avoirs', pattern='AV{AAAA}-{N:5}', chronological=True),
    Series(key='order', label='Bons de commande', pattern='BC{AAAA}-{N:5}'),
    Series(key='delivery_note', label='Bons de livraison', pattern='BL{AAAA}-{N:5}'),
)}

TYPES: dict[str, DocType] = {entry.key: entry for entry in (
    DocType(key='quote', label='Devis', plural='Devis', article_label='Le devis', family='quote', series='quote',
            machine='quote', creatable=True, converts_to=('invoice', 'order'), template_field='quote_template_id',
            option='quotes'),
    DocType(key='invoice', label='Facture', plural='Factures', article_label='La facture', family='invoice',
            series='invoice', legal=True, numbered_at='validation', machine='invoice', type_code='380',
            creditable=True, writable_off=True, creatable=True, drafted=True, scheduled=True, revenue=True),
    DocType(key='deposit_invoice', label='Facture d’acompte', plural='Factures d’acompte',
            article_label='La facture d’acompte', family='invoice', series='invoice', legal=True,
            numbered_at='validation', machine='invoice', type_code='386', creditable=True, vat_included=True,
            drafted=True, issued_final=True),
    DocType(key='progress_invoice', label='Facture de situation', plural='Factures de situation',
            article_label='La facture de situation', family='invoice', series='invoice', legal=True,
            numbered_at='validation', machine='invoice', type_code='380', creditable=True, writable_off=True,
            drafted=True, scheduled=True, revenue=True),
    DocType(key='credit_note', label='Avoir', plural='Avoirs', article_label='L’avoir', family='invoice',
            series='credit_note', legal=True, numbered_at='validation', machine='invoice', state_labels='credit_note',
            type_code='381', issued_final=True, revenue=True),
    DocType(key='order', label='Bon de commande', plural='Bons de commande', article_label='Le bon de commande',
            family='order', series='order', machine='order', creatable=True, option='orders', delivered=True,
            converts_to=('delivery_note', 'invoice')),
    DocType(key='delivery_note', label='Bon de livraison', plural='Bons de livraison',
            article_label='Le bon de livraison', family='delivery_note', series='delivery_note',
            machine='delivery_note', creatable=True, option='delivery_notes', receipt=True,
            converts_to=('invoice',)),
    # A printout, not a document: the "Demande d'acompte" of a quote's deposit (DE2) has no number and no XML.
    DocType(key='deposit_request', label='Demande d’acompte', plural='Demandes d’acompte',
            article_label='La demande d’acompte', family='quote', series=None, numbered_at='never', listed=False),
    # A printout too: the dunning letter of an overdue invoice, printed with the client's own dunning template.
    DocType(key='dunning', label='Lettre de relance', plural='Lettres de relance', article_label='La lettre de relance',
            family='invoice', series=None, numbered_at='never', template_field='dunning_template_id', listed=False),
)}

_FLAGS = {field.name for field in fields(DocType)}


def doc_type(key: str) -> DocType:
    """The declaration of `key`; an unknown type is a bug (KeyError), not a user error."""
    return TYPES[key]


def keys(**where: object) -> tuple[str, ...]:
    """The keys of the types whose declared attributes equal `where`, in declaration order.

    Only real documents are returned unless `listed=False` is asked for explicitly.
    """
    unknown = set(where) - _FLAGS
    if unknown:
        raise ValueError(f'unknown document type attributes: {sorted(unknown)}')
    where = {'listed': True, **where}
    return tuple(key for key, entry in TYPES.items() if all(getattr(entry, name) == value
                                                             for name, value in where.items()))


def label(key: str) -> str:
    """The French name of a type ('Facture d’acompte'); the key itself for a type the code doesn't know."""
    entry = TYPES.get(key)
    return entry.label if entry else key


def labels(**where: object) -> dict[str, str]:
    """{key: French label} of the types `keys(**where)` selects, for select boxes."""
    return {key: TYPES[key].label for key in keys(**where)}


def copy_type(key: str) -> str:
    """The type a copy of a `key` document is made as (DOC6): the type itself when it is made directly, else the first
    type of its family that is (a copy of a credit note or of a deposit invoice is an invoice).

    >>> copy_type('quote'), copy_type('credit_note'), copy_type('deposit_invoice')
    ('quote', 'invoice', 'invoice')
    """
    entry = TYPES[key]
    if entry.creatable:
        return key
    return next(iter(keys(family=entry.family, creatable=True)), key)


def is_legal(key: str) -> bool:
    entry = TYPES.get(key)
    return bool(entry and entry.legal)


def type_code(key: str) -> str | None:
    """The UNTDID 1001 code of the e-invoice of a `key` document; None when it has none (or the type is unknown).

    >>> type_code('credit_note'), type_code('quote'), type_code('dunning')
    ('381', None, None)
    """
    entry = TYPES.get(key)
    return entry.type_code if entry else None


def series_of(key: str) -> str | None:
    return TYPES[key].series


def is_chronological(series: str) -> bool:
    entry = SERIES.get(series)
    return bool(entry and entry.chronological)


def series_label(key: str) -> str:
    entry = SERIES.get(key)
    return entry.label if entry else key


# The chained series of the integrity chain (AC3): every legal series, and the payments journal.
PAYMENT_SERIES = 'payment'
