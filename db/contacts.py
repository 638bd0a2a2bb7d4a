"""Contact operations (CO1-CO7): checked, audited, each in one short transaction, and the list queries.

Any user may manage contacts. Client codes (C00001, ...) come from a counter row bumped first in the transaction
that uses them, so that two creations or imports at once never hand out the same code.
"""
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.queryset import QuerySet

from db import contact_search
from db.actor import Actor
from db.audit import changes, record
from db.company import PaymentMethod, VatRate
from db.contact import Address, Contact, Counter
from db.document_list import few_matches, sorted_apart
from db.output import PrintTemplate
from db.unit_of_work import transaction
from logic.contact import (
    CONTACT_KINDS,
    FieldsInvalid,
    clean_address,
    clean_contact,
    default_account,
)
from logic.contact_fields import clean_payment_terms_derogation
from logic.draft import address_line, delivery_copy
from logic.errors import DomainError

EDITABLE = (
    'kind', 'is_company', 'category', 'name', 'first_name', 'legal_form', 'siren', 'siret', 'vat_number',
    'electronic_address', 'email', 'phone', 'mobile', 'website', 'address', 'address2', 'postcode', 'city',
    'country', 'iban', 'bic', 'mandate_reference', 'mandate_signed_on', 'account', 'default_vat_rate_id',
    'default_payment_method_id', 'quote_template_id', 'invoice_template_id', 'dunning_template_id', 'notes',
    'payment_terms_derogation',
)
ADDRESS_FIELDS = ('kind', 'label', 'address', 'address2', 'postcode', 'city', 'country')
# List columns -> the field they sort on, each backed by an index (see db/contact.py).
SORTS = {'code': 'code', 'name': 'sort_name', 'kind': 'kind', 'postcode': 'postcode', 'city': 'city',
         'siren': 'siren', 'email': 'email', 'phone': 'phone'}
DEFAULT_ORDER = ['sort_name', 'id']
LIST_FIELDS = ('id', 'code', 'kind', 'is_company', 'name', 'first_name', 'postcode', 'city', 'siren', 'email',
               'phone', 'active')
STALE = 'Ce contact a été modifié par quelqu’un d’autre entre-temps : rechargez la page pour voir ses changements.'


@dataclass(kw_only=True, slots=True, frozen=True)
class ContactFilter:
    kind: str = ''           # '' for every kind
    search: str = ''         # words looked for in code, name, city, postcode, SIREN, SIRET, VAT, e-mail, phones
    status: str = 'active'   # 'active', 'archived' or 'all'


def list_order(column: str | None, descending: bool = False) -> list[str]:
    """ORDER BY terms for a list column: the column, then the name and the id to break ties, all in the same
    direction, so that one index walked forwards or backwards yields the page without sorting the table.

    >>> list_order('city', descending=True)
    ['-city', '-sort_name', '-id']
    """
    field = SORTS.get(column or '', 'sort_name')
    terms = [field] if field == 'code' else [field, *(term for term in DEFAULT_ORDER if term != field)]
    return [f'-{term}' for term in terms] if descending else terms


def contact_query(filters: ContactFilter) -> QuerySet[Contact]:
    query = Contact.all()
    if filters.kind:
        query = query.filter(kind=filters.kind)
    if filters.status in ('active', 'archived'):
        query = query.filter(active=filters.status == 'active')
    return contact_search.with_words(query, filters.search)


async def list_contacts(filters: ContactFilter, order: list[str], *, offset: int, limit: int,
                        total: int | None = None) -> tuple[list[dict], int]:
    """One page of the list, as plain dicts of LIST_FIELDS, and the number of matching contacts. `total`: that
    number, already known for the same filters (a page or sort change): no COUNT then (66 ms at 200,000 contacts)."""
    query = contact_query(filters)
    total = await query.count() if total is None else total
    if offset >= total:
        return [], total
    # Few matches (a rare type, a search): sorted apart rather than looked for along the sort index, which SQLite's
    # planner would walk to its end, a row read for each entry (db/document_list.few_matches; issue 17: the
    # suppliers sorted by city, 330 ms at 200,000 contacts).
    if await few_matches(Contact, total, offset + limit):
        query, order = sorted_apart(query, order)
    rows = await query.order_by(*order).offset(offset).limit(limit).values(*LIST_FIELDS)
    return rows, total


async def search_for_picker(text: str, *, limit: int = 8) -> list[dict]:
    """Active contacts matching the words typed, for an autocomplete: id, code, label and a line of detail."""
    rows = await contact_query(ContactFilter(search=text)).order_by(*DEFAULT_ORDER).limit(limit).values(
        'id', 'code', 'kind', 'is_company', 'name', 'first_name', 'postcode', 'city', 'siren')
    return [picker_entry(row) for row in rows]


def entry_of(contact: Contact) -> dict:
    """A contact just created, as the pickers show it."""
    return picker_entry({key: getattr(contact, key) for key in (
        'id', 'code', 'kind', 'is_company', 'name', 'first_name', 'postcode', 'city', 'siren')})


def picker_entry(row: dict) -> dict:
    label = row['name'] if row['is_company'] or not row['first_name'] else f'{row["first_name"]} {row["name"]}'
    place = ' '.join(part for part in (row['postcode'], row['city']) if part)
    detail = ' · '.join(part for part in (row['code'], CONTACT_KINDS.get(row['kind'], ''), place) if part)
    return {'id': row['id'], 'code': row['code'], 'label': label, 'detail': detail}


async def get_contact(contact_id: int) -> Contact:
    contact = await Contact.get_or_none(id=contact_id)
    if contact is None:
        raise DomainError('Ce contact n’existe pas ou a été supprimé.')
    return contact


# --- changes --------------------------------------------------------------------------------------------------------

async def create_contact(actor: Actor, data: dict) -> Contact:
    """A new contact; its code is given (checked unique) or the next free one, its account defaults to 411+code."""
    cleaned = await _clean(data, EDITABLE + ('code',))
    code = cleaned.pop('code', '')
    taken = FieldsInvalid({'code': f'Le code {code} est déjà celui d’un autre contact.'})
    try:
        async with transaction():
            if code and await Contact.filter(code=code).exists():
                raise taken
            code = code or (await allocate_codes(1))[0]
            cleaned['account'] = cleaned.get('account') or default_account(code, cleaned.get('kind', 'client'))
            contact = await Contact.create(code=code, **cleaned)
            await record('contact.create', actor, target=f'contact:{contact.id}',
                         details={'code': code, 'name': contact.display_name})
    except IntegrityError:  # the same code typed in another window at the same moment: the unique index decides
        raise taken from None
    return contact


async def update_contact(actor: Actor, contact_id: int, data: dict, *, version: int) -> Contact:
    """Save a form; refused when someone else saved the contact since the form was loaded (`version`)."""
    cleaned = await _clean(data, EDITABLE)
    async with transaction():
        contact = await Contact.get_or_none(id=contact_id).select_for_update()
        if contact is None:
            raise DomainError('Ce contact n’existe pas ou a été supprimé.')
        if contact.version != version:
            raise DomainError(STALE)
        if 'account' in cleaned and not cleaned['account']:
            cleaned['account'] = default_account(contact.code, cleaned.get('kind', contact.kind))
        diff = changes({key: getattr(contact, key) for key in cleaned}, cleaned)
        if diff:
            contact.update_from_dict(cleaned)
            contact.version += 1
            await contact.save()
            await record('contact.update', actor, target=f'contact:{contact.id}', details=diff)
    return contact


async def set_active(actor: Actor, contact_id: int, active: bool) -> None:
    """Archive (hidden from lists and pickers, kept for the documents that name it) or bring back."""
    async with transaction():
        contact = await get_contact(contact_id)
        if contact.active != active:
            await Contact.filter(id=contact_id).update(active=active, version=F('version') + 1)
            await record('contact.activate' if active else 'contact.archive', actor, target=f'contact:{contact_id}',
                         details={'code': contact.code, 'name': contact.display_name})


async def delete_contact(actor: Actor, contact_id: int) -> str:
    """Delete a contact no document names; one that is named is archived instead. Returns 'deleted' or 'archived'.

    The documents' foreign keys refuse the deletion of a contact they name (ON DELETE RESTRICT): that refusal,
    rather than a list kept here, decides.
    """
    contact = await get_contact(contact_id)
    try:
        async with transaction():
            await Contact.filter(id=contact_id).delete()
            await record('contact.delete', actor, target=f'contact:{contact_id}',
                         details={'code': contact.code, 'name': contact.display_name})
        return 'deleted'
    except IntegrityError:
        await set_active(actor, contact_id, False)
        return 'archived'


async def save_address(actor: Actor, contact_id: int, address_id: int | None, data: dict) -> Address:
    cleaned, errors = clean_address({key: data[key] for key in ADDRESS_FIELDS if key in data})
    if errors:
        raise FieldsInvalid(errors)
    async with transaction():
        contact = await get_contact(contact_id)
        if address_id is None:
            address = await Address.create(contact_id=contact.id, **cleaned)
            details = {'created': cleaned}
        else:
            address = await Address.get_or_none(id=address_id, contact_id=contact.id)
            if address is None:
                raise DomainError('Cette adresse n’existe plus.')
            details = changes({key: getattr(address, key) for key in cleaned}, cleaned)
            address.update_from_dict(cleaned)
            await address.save()
        await record('contact.address', actor, target=f'contact:{contact.id}', details=details)
    return address


async def delivery_addresses(contact_id: int) -> list[dict]:
    """The addresses a document of this client may be delivered to (delivery ones first), as the editor offers them:
    {'id', 'label', 'address': the copy a document stores (logic.draft.delivery_copy)}."""
    rows = await Address.filter(contact_id=contact_id, kind__in=('delivery', 'other')).order_by('kind', 'id')
    entries = []
    for row in rows:
        copy = delivery_copy({'address': row.address, 'address2': row.address2,
                              'postcode': row.postcode, 'city': row.city, 'country': row.country})
        if copy is not None:
            place = address_line(copy)
            entries.append({'id': row.id, 'label': f'{row.label} — {place}' if row.label else place, 'address': copy})
    return entries


async def delete_address(actor: Actor, contact_id: int, address_id: int) -> None:
    async with transaction():
        address = await Address.get_or_none(id=address_id, contact_id=contact_id)
        if address is None:
            return
        await address.delete()
        await record('contact.address', actor, target=f'contact:{contact_id}',
                     details={'deleted': {key: getattr(address, key) for key in ADDRESS_FIELDS}})


async def allocate_codes(count: int, *, taken: set[str] = frozenset()) -> list[str]:
    """The next `count` free codes C00001, C00002... Call inside the transaction that uses them.

    The counter row is bumped before it is read: on PostgreSQL the UPDATE locks it until the transaction ends, so
    a concurrent import waits instead of reading the same value. Codes already used (typed by hand or imported)
    are skipped.
    """
    codes: list[str] = []
    while len(codes) < count:
        wanted = count - len(codes)
        await Counter.filter(key='contact').update(value=F('value') + wanted)
        end = (await Counter.get(key='contact')).value
        candidates = [f'C{number:05d}' for number in range(end - wanted + 1, end + 1)]
        used = set(taken) | await existing_codes(candidates)
        codes.extend(code for code in candidates if code not in used)
    return codes


async def existing_codes(codes: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(codes), 500):  # a bounded number of SQL parameters per query
        found.update(await Contact.filter(code__in=codes[start:start + 500]).values_list('code', flat=True))
    return found


async def _clean(data: dict, allowed: tuple[str, ...]) -> dict:
    cleaned, errors = clean_contact({key: value for key, value in data.items() if key in allowed})
    if 'payment_terms_derogation' in cleaned:  # lifts the B2B payment ceiling: checked, and audited with the rest
        try:
            cleaned['payment_terms_derogation'] = clean_payment_terms_derogation(cleaned['payment_terms_derogation'])
        except ValueError as exc:
            errors['payment_terms_derogation'] = str(exc)
    for key, model in (('default_vat_rate_id', VatRate), ('default_payment_method_id', PaymentMethod),
                       ('quote_template_id', PrintTemplate), ('invoice_template_id', PrintTemplate),
                       ('dunning_template_id', PrintTemplate)):
        if cleaned.get(key) and not await model.exists(id=cleaned[key]):
            errors[key] = 'Ce choix n’existe plus : choisissez-en un autre.'
    if errors:
        raise FieldsInvalid(errors)
    return cleaned
