"""The life cycles of quotes and invoices as explicit state machines (QU3, IN2, IN4, PA2, PA7).

Quote::

    draft     -> sent | accepted | refused
    sent      -> draft | accepted | refused
    accepted  -> invoiced
    invoiced  -> accepted       (its draft invoice was deleted)
    refused   -> draft          (restored)

- draft -> accepted | refused: a quote handed over in person is signed (or turned down) on the spot, without
  ever being sent; forcing a fake "sent" step would put a false event in the audit trail.
- sent -> draft: the client asks for a change after receiving it; a quote is a proposal, not an accounting
  document, so it may be reworked (the audit trail keeps the sending) and sent again.
- accepted is final except for invoicing: accepting creates the deposit installments (DE1) and may be what an
  order or a deposit invoice rests on, so it is not undone by a state change.
- invoiced -> accepted: invoicing creates a draft invoice (QU3), and drafts may be deleted; the quote then becomes
  invoiceable again. `db/` allows it only while no invoice made from the quote is validated.

Invoice::

    draft          -> validated
    validated      -> paid | irrecoverable | cancelled
    paid           -> validated | cancelled
    irrecoverable  -> validated

- validated never goes back to draft: the number and the figures are frozen (IN3); corrections are credit notes.
- cancelled means "fully credited" (IN4). A partial credit note changes no state. A paid invoice can be fully
  credited and then refunded (IN4), hence paid -> cancelled.
- paid -> validated cancels a settlement (PA2: unticking "Réglé"); irrecoverable -> validated cancels a write-off,
  e.g. when the client pays after all.
- irrecoverable -> cancelled is refused: the write-off already took the amount out of the receivables, a credit
  note would take it out a second time. Cancel the write-off first: crediting an irrecoverable invoice (to recover
  the VAT of a bad debt, CGI art. 272-1) does it itself, in the same transaction (db/credit_notes.py), so the
  invoice goes irrecoverable -> validated -> cancelled, each step audited.
- A draft is deleted, never cancelled: it has no number to account for.
Deposit invoices use the invoice machine too; they are created directly as "paid" (DE3), not moved there.

Order ("bon de commande")::

    draft                -> confirmed | cancelled
    confirmed            -> draft | part_delivered | delivered | invoiced | cancelled
    part_delivered  -> confirmed | delivered | invoiced | cancelled
    delivered            -> confirmed | part_delivered | invoiced
    invoiced             -> confirmed | part_delivered | delivered
    cancelled            -> ()

- The user confirms or cancels; the delivery and invoicing states are derived from the stored quantities
  (logic/delivery.py `order_state`), and move back when a draft delivery note or invoice is deleted.
- cancelled is final: what was not delivered is freed (no more delivery), what was delivered stays and can still be
  invoiced from its delivery notes. A fully delivered or invoiced order has nothing left to free.

Delivery note ("bon de livraison")::

    draft      -> delivered
    delivered  -> draft | invoiced
    invoiced   -> delivered      (its draft invoice was deleted)

- Only a delivered note is invoiced; it becomes invoiced once every line is, derived like the order's states.

In db/, the state of a legal document changes only through db/state_chain.py, which checks the move here and records
it as a chained event (docs/legal.md 2.6): a state set any other way is reported by `python main.py verify`.
"""
from typing import Literal

from logic import doctypes
from logic.errors import DomainError

Machine = Literal['quote', 'invoice', 'order', 'delivery_note']

QUOTE_LABELS: dict[str, str] = {
    'draft': 'Brouillon',
    'sent': 'Envoyé',
    'accepted': 'Accepté',
    'refused': 'Refusé',
    'invoiced': 'Facturé',
}
INVOICE_LABELS: dict[str, str] = {
    'draft': 'Brouillon',
    'validated': 'Validée',
    'paid': 'Réglée',
    'irrecoverable': 'Irrécouvrable',
    'cancelled': 'Annulée',
}
# A credit note ("un avoir") follows the invoice machine, in the masculine, and "paid" means refunded to the client.
CREDIT_NOTE_LABELS: dict[str, str] = {
    'draft': 'Brouillon',
    'validated': 'Validé',
    'paid': 'Remboursé',
    'irrecoverable': 'Irrécouvrable',
    'cancelled': 'Annulé',
}
ORDER_LABELS: dict[str, str] = {
    'draft': 'Brouillon',
    'confirmed': 'Confirmée',
    'part_delivered': 'Livrée en partie',
    'delivered': 'Livrée',
    'invoiced': 'Facturée',
    'cancelled': 'Annulée',
}
DELIVERY_NOTE_LABELS: dict[str, str] = {
    'draft': 'Brouillon',
    'delivered': 'Livré',
    'invoiced': 'Facturé',
}
LABELS: dict[str, dict[str, str]] = {'quote': QUOTE_LABELS, 'invoice': INVOICE_LABELS, 'order': ORDER_LABELS,
                                     'delivery_note': DELIVERY_NOTE_LABELS}
# The label sets a type may name in the registry instead of its machine's (logic/doctypes.py `state_labels`).
LABEL_SETS: dict[str, dict[str, str]] = {**LABELS, 'credit_note': CREDIT_NOTE_LABELS}

TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    'quote': {
        'draft': ('sent', 'accepted', 'refused'),
        'sent': ('draft', 'accepted', 'refused'),
        'accepted': ('invoiced',),
        'refused': ('draft',),
        'invoiced': ('accepted',),
    },
    'invoice': {
        'draft': ('validated',),
        'validated': ('paid', 'irrecoverable', 'cancelled'),
        'paid': ('validated', 'cancelled'),
        'irrecoverable': ('validated',),
        'cancelled': (),
    },
    'order': {
        'draft': ('confirmed', 'cancelled'),
        'confirmed': ('draft', 'part_delivered', 'delivered', 'invoiced', 'cancelled'),
        'part_delivered': ('confirmed', 'delivered', 'invoiced', 'cancelled'),
        'delivered': ('confirmed', 'part_delivered', 'invoiced'),
        'invoiced': ('confirmed', 'part_delivered', 'delivered'),
        'cancelled': (),
    },
    'delivery_note': {
        'draft': ('delivered',),
        'delivered': ('draft', 'invoiced'),
        'invoiced': ('delivered',),
    },
}

# Why the refusals a user is most likely to meet are refused; (machine, current, target), target None = any.
_REASONS: dict[tuple[str, str, str | None], str] = {
    ('quote', 'accepted', None): "Un devis accepté ne peut plus qu'être facturé.",
    ('quote', 'invoiced', None): ("Un devis facturé ne redevient « Accepté » que si sa facture brouillon est "
                                  'supprimée.'),
    ('quote', 'refused', None): "Un devis refusé doit d'abord être restauré en brouillon.",
    ('quote', 'draft', 'invoiced'): 'Seul un devis accepté peut être facturé.',
    ('quote', 'sent', 'invoiced'): 'Seul un devis accepté peut être facturé.',
    ('invoice', 'validated', 'draft'): ('Une facture validée ne redevient jamais un brouillon : '
                                        'pour la corriger, établissez un avoir.'),
    ('invoice', 'paid', 'draft'): ('Une facture réglée ne redevient jamais un brouillon : '
                                   'pour la corriger, établissez un avoir.'),
    ('invoice', 'irrecoverable', 'draft'): ('Une facture irrécouvrable ne redevient jamais un brouillon : '
                                            'pour la corriger, établissez un avoir.'),
    ('invoice', 'draft', 'cancelled'): "Un brouillon ne s'annule pas : supprimez-le.",
    ('invoice', 'draft', None): "Validez d'abord la facture : un brouillon n'a pas encore de numéro.",
    ('invoice', 'irrecoverable', None): "Annulez d'abord le passage en irrécouvrable.",
    ('invoice', 'cancelled', None): "Une facture annulée par un avoir ne change plus d'état.",
    ('order', 'cancelled', None): "Un bon de commande annulé ne change plus d'état.",
    **{('order', state, 'draft'): 'Un bon de commande livré ou facturé ne redevient pas un brouillon.'
       for state in ('part_delivered', 'delivered', 'invoiced')},
    ('order', 'delivered', 'cancelled'): 'Tout est livré : il ne reste rien à annuler.',
    ('order', 'invoiced', 'cancelled'): 'Le bon de commande est facturé : il ne reste rien à annuler.',
    ('order', 'draft', 'delivered'): "Confirmez d'abord le bon de commande.",
    ('order', 'draft', 'part_delivered'): "Confirmez d'abord le bon de commande.",
    ('delivery_note', 'draft', 'invoiced'): "Marquez d'abord le bon de livraison comme livré.",
    ('delivery_note', 'invoiced', 'draft'): 'Un bon de livraison facturé ne redevient pas un brouillon.',
}


class TransitionRefused(DomainError, ValueError):
    """A state change the business rules forbid; `str(exc)` is the French message to show."""


def state_label(doc_type: str, state: str) -> str:
    """The French name of a document's state in the machine its type follows; the state itself when it has none.

    >>> state_label('invoice', 'paid'), state_label('credit_note', 'paid'), state_label('quote', 'accepted')
    ('Réglée', 'Remboursé', 'Accepté')
    >>> state_label('order', 'part_delivered'), state_label('delivery_note', 'delivered')
    ('Livrée en partie', 'Livré')
    """
    entry = doctypes.TYPES.get(doc_type)
    names = (entry.state_labels or entry.machine) if entry else None
    return LABEL_SETS.get(names or '', {}).get(state, state)


def allowed_targets(machine: Machine, current: str) -> tuple[str, ...]:
    """The states a document in state `current` may move to, in the order the UI offers them."""
    return _table(machine, current)


def check_transition(machine: Machine, current: str, target: str) -> None:
    """Raise TransitionRefused unless `current` -> `target` is an allowed move; unknown states are bugs."""
    allowed = _table(machine, current)
    _table(machine, target)
    if target in allowed:
        return
    labels = LABELS[machine]
    if target == current:
        raise TransitionRefused(f"{_noun(machine)} est déjà à l'état « {labels[current]} ».")
    reason = _REASONS.get((machine, current, target)) or _REASONS.get((machine, current, None))
    raise TransitionRefused(f"{_noun(machine)} ne peut pas passer de l'état « {labels[current]} » "
                            f"à l'état « {labels[target]} ». {reason or ''}".rstrip())


def _noun(machine: str) -> str:
    """'La facture': each machine is named after the type that defines it (the registry's `machine`)."""
    return doctypes.doc_type(machine).article_label


def _table(machine: str, state: str) -> tuple[str, ...]:
    if machine not in TRANSITIONS:
        raise ValueError(f'unknown state machine {machine!r}')
    if state not in TRANSITIONS[machine]:
        raise ValueError(f'unknown {machine} state {state!r}')
    return TRANSITIONS[machine][state]
