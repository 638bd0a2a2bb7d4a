"""Between the editor's `Draft` (logic/draft.py) and the stored rows: checks, conversions, cached totals.

`check_draft` refuses, in French, what the database would refuse less kindly (too many decimals, unknown client or
article, figures the totals engine rejects); the stored totals always come from `draft.totals()`, the one engine.
"""
from dataclasses import dataclass, replace
from decimal import Decimal

from db.article import Article
from db.company import PaymentMethod
from db.contact import Contact
from db.document import Document, DocumentLine
from db.fields import FixedDecimalField
from logic.draft import LINE_KINDS, Draft, DraftLine, delivery_copy
from logic.errors import DomainError
from logic.money import LIMIT
from logic.totals import VAT_CATEGORIES, Totals

MAX_LINES = 2000
# Places the columns keep (db/document.py): more would be refused by FixedDecimalField, say it kindly first.
PLACES = {'quantity': (4, 'la quantité'), 'unit_price': (6, 'le prix unitaire'),
          'discount_value': (4, 'la remise'), 'vat_rate': (2, 'le taux de TVA')}
TEXT_LIMITS = {'reference': 40, 'designation': 255, 'unit': 40}
# What a FixedDecimalField column holds at all (db/fields.py: a signed 64-bit integer, the value times 10**scale).
# logic.money.LIMIT keeps typed and computed figures far below it; this is the last check before a write.
COLUMN_MAX = 2 ** 63 - 1
TOO_LARGE = ('Un montant du document est trop grand pour être enregistré : réduisez les quantités ou les prix '
             '(1 000 milliards d’euros au plus).')


@dataclass(kw_only=True, slots=True)
class Checked:
    contact: Contact
    lines: list[DraftLine]
    totals: Totals


async def check_draft(draft: Draft) -> Checked:
    if draft.client_id is None:
        raise DomainError('Choisissez le client.')
    contact = await Contact.get_or_none(id=draft.client_id)
    if contact is None:
        raise DomainError('Ce client n’existe plus : choisissez-en un autre.')
    if len(draft.lines) > MAX_LINES:
        raise DomainError(f'Un document compte {MAX_LINES} lignes au plus.')
    if draft.probability is not None and not 0 <= draft.probability <= 100:
        raise DomainError('La probabilité doit être comprise entre 0 et 100 %.')
    if draft.global_discount_kind not in (None, 'percent', 'amount'):
        raise DomainError('Type de remise globale inconnu.')
    if len(draft.purchase_order or '') > 100:
        raise DomainError('Le numéro de bon de commande fait 100 caractères au plus.')
    _check_places(draft.global_discount_value, 4, 'Remise globale', 'la valeur')
    _check_places(draft.shipping, 2, 'Frais de port', 'le montant')
    _check_places(draft.shipping_vat_rate, 2, 'Frais de port', 'le taux de TVA')
    if draft.shipping_vat_category not in VAT_CATEGORIES or not 0 <= draft.shipping_vat_rate <= 100:
        raise DomainError('Frais de port : taux de TVA inconnu.')
    for position, line in enumerate(draft.lines, start=1):
        _check_line(position, line)
    if draft.vat_included and (draft.global_discount_kind or draft.shipping
                               or any(line.discount_kind for line in draft.lines)):
        # logic.totals refuses it too (ValueError): prices including VAT are for deposit invoices only.
        raise DomainError('Un document en prix TTC (facture d’acompte) ne prend ni remise ni frais de port.')
    article_ids = {line.article_id for line in draft.lines if line.article_id}
    costs = dict(await Article.filter(id__in=article_ids).values_list('id', 'purchase_price')) if article_ids else {}
    if len(costs) != len(article_ids):
        raise DomainError('Un article utilisé sur une ligne n’existe plus : retirez-le de la ligne.')
    totals = draft.totals()  # raises TotalsError (a DomainError) on figures a user must fix
    # The margin is the one of the day the draft is saved: its articles' purchase prices now (a line without an
    # article keeps the cost it has, none from the editor).
    lines = [replace(line, unit_cost=costs[line.article_id]) if line.article_id else line for line in draft.lines]
    return Checked(contact=contact, lines=lines, totals=totals)


def header_values(draft: Draft, checked: Checked) -> dict:
    """The document columns a draft sets, with the cached totals of the engine."""
    totals = checked.totals
    return fitting(Document, {
        'client_id': checked.contact.id, 'client_name': checked.contact.display_name[:255],
        'issue_date': draft.issue_date, 'due_date': draft.due_date, 'validity_date': draft.validity_date,
        'delivery_date': draft.delivery_date, 'delivery_address': delivery_copy(draft.delivery_address),
        'template_id': draft.template_id, 'probability': draft.probability,
        'global_discount_kind': draft.global_discount_kind, 'global_discount_value': draft.global_discount_value,
        'shipping': draft.shipping, 'shipping_vat_rate': draft.shipping_vat_rate,
        'shipping_vat_category': draft.shipping_vat_category, 'purchase_order': (draft.purchase_order or '').strip(),
        'header_text': draft.header_text or '', 'footer_text': draft.footer_text or '', 'notes': draft.notes or '',
        'total_ht': totals.total_ht, 'total_vat': totals.total_vat, 'total_ttc': totals.total_ttc,
        'prepaid': totals.prepaid, 'amount_due': totals.amount_due, 'vat_included': draft.vat_included,
        'total_cost': Draft(lines=checked.lines).cost(),
    })


def line_rows(document_id: int, checked: Checked) -> list[DocumentLine]:
    nets = checked.totals.line_nets
    return [DocumentLine(**fitting(DocumentLine, {'document_id': document_id, 'position': position,
                                                  'net': nets[position], **line_values(line)}))
            for position, line in enumerate(checked.lines)]


def fitting(model, values: dict) -> dict:
    """`values` for `model`, or a DomainError when a decimal is beyond what its column holds: the database would
    refuse it with an OverflowError (SQLite) or a DataError (PostgreSQL), after the user's click, in English."""
    for name, value in values.items():
        field = model._meta.fields_map.get(name)
        if isinstance(field, FixedDecimalField) and isinstance(value, Decimal) and (
                not value.is_finite() or abs(value * field.factor) > COLUMN_MAX):
            raise DomainError(TOO_LARGE)
    return values


def line_values(line: DraftLine) -> dict:
    return {
        'kind': line.kind, 'article_id': line.article_id, 'reference': line.reference,
        'designation': line.designation, 'description': line.description, 'quantity': line.quantity,
        'unit': line.unit, 'unit_code': line.unit_code, 'unit_price': line.unit_price,
        'discount_kind': line.discount_kind, 'discount_value': line.discount_value, 'vat_rate': line.vat_rate,
        'vat_category': line.vat_category, 'exemption_reason': line.exemption_reason,
        'exemption_code': line.exemption_code, 'nature': line.nature,
        'show_parts': line.show_parts, 'unit_cost': line.unit_cost, 'source_line_id': line.source_line_id,
    }


def as_stored(draft: Draft) -> Draft:
    """The draft as the database gives it back, each decimal at its column's scale (2 -> 2.0000): what a draft
    validated from the editor is frozen from, so that the bulk path freezes the very same snapshot."""
    header = {name: _scaled(Document, name, getattr(draft, name))
              for name in ('global_discount_value', 'shipping', 'shipping_vat_rate')}
    lines = [replace(line, **{name: _scaled(DocumentLine, name, getattr(line, name))
                              for name in ('quantity', 'unit_price', 'discount_value', 'vat_rate')})
             for line in draft.lines]
    return replace(draft, lines=lines, **header)


def _scaled(model, name: str, value):
    field = model._meta.fields_map[name]
    return value.quantize(field.quant) if isinstance(field, FixedDecimalField) and isinstance(value, Decimal) \
        else value


def draft_of(document: Document, lines: list[DocumentLine]) -> Draft:
    """The editable form of a stored document (lines in position order)."""
    return Draft(
        doc_type=document.doc_type, client_id=document.client_id, issue_date=document.issue_date,
        due_date=document.due_date, validity_date=document.validity_date, delivery_date=document.delivery_date,
        delivery_address=document.delivery_address, payment_method_id=document.payment_method_id, template_id=document.template_id,
        probability=document.probability, global_discount_kind=document.global_discount_kind,
        global_discount_value=document.global_discount_value, shipping=document.shipping,
        shipping_vat_rate=document.shipping_vat_rate, shipping_vat_category=document.shipping_vat_category,
        purchase_order=document.purchase_order, header_text=document.header_text, footer_text=document.footer_text,
        notes=document.notes, vat_included=document.vat_included, lines=[draft_line_of(line) for line in lines],
    )


def draft_line_of(line: DocumentLine) -> DraftLine:
    return DraftLine(
        kind=line.kind, article_id=line.article_id, reference=line.reference, designation=line.designation,
        description=line.description, quantity=line.quantity, unit=line.unit, unit_code=line.unit_code,
        unit_price=line.unit_price, discount_kind=line.discount_kind, discount_value=line.discount_value,
        vat_rate=line.vat_rate, vat_category=line.vat_category, exemption_reason=line.exemption_reason,
        exemption_code=line.exemption_code, nature=line.nature, show_parts=line.show_parts,
        unit_cost=line.unit_cost, source_line_id=line.source_line_id,
    )


async def payment_method_for(method_id: int | None, contact: Contact | None) -> PaymentMethod | None:
    """The chosen method, else the client's default, else the company's default (IN5)."""
    return pick_payment_method(method_id, contact, await PaymentMethod.all().order_by('id'))


def pick_payment_method(method_id: int | None, contact: Contact | None,
                        methods: list[PaymentMethod]) -> PaymentMethod | None:
    """`payment_method_for` among `methods` (all of them, by id): the chosen one, else the client's default, else
    the default one, else the first active one. The bulk path picks here too, with the methods loaded once."""
    by_id = {method.id: method for method in methods}
    for candidate in (method_id, contact.default_payment_method_id if contact else None):
        if candidate and candidate in by_id:
            return by_id[candidate]
    return next((m for m in methods if m.is_default), None) or next((m for m in methods if m.active), None)


def _check_line(position: int, line: DraftLine) -> None:
    where = f'Ligne {position}'
    if line.kind not in LINE_KINDS:
        raise DomainError(f'{where} : type de ligne inconnu.')
    if line.vat_category not in VAT_CATEGORIES:
        raise DomainError(f'{where} : catégorie de TVA inconnue.')
    if line.nature not in ('', 'good', 'service'):  # '' = not chosen yet: validation asks for it (logic/mentions)
        raise DomainError(f'{where} : nature inconnue (bien ou prestation).')
    if line.discount_kind not in (None, 'percent', 'amount'):
        raise DomainError(f'{where} : type de remise inconnu.')
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(line, name) or '') > limit:
            raise DomainError(f'{where} : {limit} caractères au plus pour ce champ.')
    if line.kind == 'item' and not (line.designation or '').strip():
        raise DomainError(f'{where} : la désignation est obligatoire.')
    for name, (places, label) in PLACES.items():
        _check_places(getattr(line, name), places, where, label)
    if not 0 <= line.vat_rate <= 100:
        raise DomainError(f'{where} : le taux de TVA doit être compris entre 0 et 100 %.')


def _check_places(value: Decimal, places: int, where: str, label: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise DomainError(f'{where} : {label} doit être un nombre.')
    if abs(value) >= LIMIT:
        raise DomainError(f'{where} : {label} est trop grand.')
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise DomainError(f'{where} : {label} a {places} décimales au plus.')
