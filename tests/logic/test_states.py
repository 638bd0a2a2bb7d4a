from itertools import product

import pytest

from logic.errors import DomainError
from logic.states import (INVOICE_LABELS, LABELS, QUOTE_LABELS, TRANSITIONS, TransitionRefused, allowed_targets,
                          check_transition)

# The allowed moves, written out again here so that a change to the machines is a deliberate change to this list.
ALLOWED = {
    'quote': {
        ('draft', 'sent'), ('draft', 'accepted'), ('draft', 'refused'),
        ('sent', 'draft'), ('sent', 'accepted'), ('sent', 'refused'),
        ('accepted', 'invoiced'), ('invoiced', 'accepted'),
        ('refused', 'draft'),
    },
    'invoice': {
        ('draft', 'validated'),
        ('validated', 'paid'), ('validated', 'irrecoverable'), ('validated', 'cancelled'),
        ('paid', 'validated'), ('paid', 'cancelled'),
        ('irrecoverable', 'validated'),
    },
    'order': {
        ('draft', 'confirmed'), ('draft', 'cancelled'),
        ('confirmed', 'draft'), ('confirmed', 'part_delivered'), ('confirmed', 'delivered'),
        ('confirmed', 'invoiced'), ('confirmed', 'cancelled'),
        ('part_delivered', 'confirmed'), ('part_delivered', 'delivered'), ('part_delivered', 'invoiced'),
        ('part_delivered', 'cancelled'),
        ('delivered', 'confirmed'), ('delivered', 'part_delivered'), ('delivered', 'invoiced'),
        ('invoiced', 'confirmed'), ('invoiced', 'part_delivered'), ('invoiced', 'delivered'),
    },
    'delivery_note': {('draft', 'delivered'), ('delivered', 'draft'), ('delivered', 'invoiced'),
                      ('invoiced', 'delivered')},
}
EVERY_MOVE = [(machine, current, target) for machine, labels in LABELS.items()
              for current, target in product(labels, repeat=2)]


@pytest.mark.parametrize(('machine', 'current', 'target'),
                         [move for move in EVERY_MOVE if move[1:] in ALLOWED[move[0]]])
def test_it_allows_the_moves_of_the_life_cycle(machine: str, current: str, target: str) -> None:
    check_transition(machine, current, target)
    assert target in allowed_targets(machine, current)


@pytest.mark.parametrize(('machine', 'current', 'target'),
                         [move for move in EVERY_MOVE if move[1:] not in ALLOWED[move[0]]])
def test_it_refuses_every_other_move_with_a_french_message(machine: str, current: str, target: str) -> None:
    with pytest.raises(TransitionRefused) as error:
        check_transition(machine, current, target)
    assert f'« {LABELS[machine][current]} »' in str(error.value)
    assert target not in allowed_targets(machine, current)


def test_it_says_why_a_validated_invoice_cannot_go_back_to_draft() -> None:
    with pytest.raises(TransitionRefused) as error:
        check_transition('invoice', 'validated', 'draft')
    assert str(error.value) == ("La facture ne peut pas passer de l'état « Validée » à l'état « Brouillon ». "
                                'Une facture validée ne redevient jamais un brouillon : pour la corriger, '
                                'établissez un avoir.')


def test_it_says_when_the_document_is_already_in_that_state() -> None:
    with pytest.raises(TransitionRefused, match="^Le devis est déjà à l'état « Envoyé ».$"):
        check_transition('quote', 'sent', 'sent')


def test_it_lets_a_quote_handed_over_in_person_be_accepted_without_being_sent() -> None:
    check_transition('quote', 'draft', 'accepted')


def test_it_lets_a_paid_invoice_be_credited_and_refunded() -> None:
    check_transition('invoice', 'paid', 'cancelled')


def test_it_asks_to_cancel_a_write_off_before_crediting_the_invoice() -> None:
    with pytest.raises(TransitionRefused, match="Annulez d'abord le passage en irrécouvrable"):
        check_transition('invoice', 'irrecoverable', 'cancelled')


def test_it_treats_unknown_states_as_bugs_not_user_errors() -> None:
    for machine, current, target in [('quote', 'draft', 'paid'), ('invoice', 'lost', 'draft'), ('order', 'a', 'b'),
                                     ('proforma', 'draft', 'sent')]:
        with pytest.raises(ValueError) as error:
            check_transition(machine, current, target)
        assert not isinstance(error.value, TransitionRefused)


def test_it_labels_every_state_in_french() -> None:
    assert QUOTE_LABELS == {'draft': 'Brouillon', 'sent': 'Envoyé', 'accepted': 'Accepté', 'refused': 'Refusé',
                            'invoiced': 'Facturé'}
    assert INVOICE_LABELS == {'draft': 'Brouillon', 'validated': 'Validée', 'paid': 'Réglée',
                              'irrecoverable': 'Irrécouvrable', 'cancelled': 'Annulée'}
    assert all(set(TRANSITIONS[machine]) == set(LABELS[machine]) for machine in LABELS)


def test_its_refusals_are_domain_errors_the_pages_show() -> None:
    assert issubclass(TransitionRefused, DomainError)
