"""The "Mandats SEPA" tab of a contact's page (PA5): its mandates, added and revoked through db/sepa.py."""
from datetime import date

from components.mandates_editor import MandatesEditor
from db import sepa
from db.contact import Contact
from db.mandate import MANDATE_STATUSES
from logic.sepa import lapse_date
from pages.security import PageContext


def mandates_panel(ctx: PageContext, contact: Contact) -> MandatesEditor:
    """The "Mandats SEPA" tab of a contact's page; the page awaits `.load()` once laid out."""
    async def load() -> list[dict]:
        today = date.today()
        return [{'id': m.id, 'reference': m.reference, 'kind': m.kind, 'signed_on': m.signed_on, 'iban': m.iban,
                 'state': sepa.state_of(m, today), 'state_label': MANDATE_STATUSES[sepa.state_of(m, today)],
                 'last_used_on': m.last_used_on, 'lapses_on': lapse_date(m.signed_on, m.last_used_on)}
                for m in await sepa.contact_mandates(contact.id)]

    async def add(values: dict) -> None:
        await sepa.add_mandate(ctx.actor, contact.id, **values)

    async def revoke(mandate_id: int) -> None:
        await sepa.revoke_mandate(ctx.actor, mandate_id)

    defaults = {'reference': contact.mandate_reference, 'signed_on': contact.mandate_signed_on,
                'iban': contact.iban, 'bic': contact.bic, 'debtor_name': contact.display_name}
    return MandatesEditor(on_load=load, on_add=add, on_revoke=revoke, defaults=defaults, guard=ctx.handler)
