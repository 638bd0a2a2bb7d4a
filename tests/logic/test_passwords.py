"""The password policy: long enough, and not one of the passwords an attacker tries first."""
import pytest

from logic.passwords import PasswordError, check_policy, hash_password, verify_password

ALICE = {'email': 'alice@atelier-durand.fr', 'name': 'Alice Durand'}


@pytest.mark.parametrize('password, reason', [
    ('password1234', 'mots de passe les plus courants'),
    ('123456789012', 'mots de passe les plus courants'),
    ('azertyuiop12', 'mots de passe les plus courants'),
    ('soleil123456', 'mots de passe les plus courants'),
    (' ' * 12, 'uniquement d’espaces'),
    ('\t \u00a0' * 5, 'uniquement d’espaces'),
    ('x' * 12, 'un seul caractère'),
    ('abcdefghijklm', 'suite comme'),
    ('1q2w3e4r5t6y7u', 'mots de passe les plus courants'),
    ('qsdfghjklmwx', 'touches du clavier'),  # the home row of a French keyboard
    ('wxcvbn,;:!ù*', 'touches du clavier'),
    ('&é"\'(-è_çà12', 'touches du clavier'),  # 1234567890 on a French keyboard, without shift
    ('abcabcabcabc', 'répète les mêmes caractères'),
])
def test_it_refuses_common_and_guessable_passwords_and_says_why(password, reason):
    with pytest.raises(PasswordError, match=reason):
        check_policy(password)


@pytest.mark.parametrize('password', ['alicedurand2024', 'Durand-Alice!', 'mon mot ALICE 1987', 'atelier-alice@99',
                                      'Durând secret 1', 'alice@atelier-durand.fr'])
def test_it_refuses_a_password_made_from_the_users_name_or_email(password):
    with pytest.raises(PasswordError, match='votre nom ni votre adresse e-mail'):
        check_policy(password, **ALICE)


@pytest.mark.parametrize('password', ['correct horse battery staple', 'une phrase de passe solide',
                                      'pain au levain bio', 'mot de passe provisoire', 'copeaux de chêne massif',
                                      'aZ9$kLm2!qW7', 'Tr0ub4dor&3xyz', 'Bob au pays des merveilles, chapitre douze',
                                      'le chat de la voisine dort sur le toit du garage depuis que la neige est tombée'])
def test_it_accepts_passphrases_and_random_passwords(password):
    check_policy(password, **ALICE)


def test_the_length_limits_come_first():
    with pytest.raises(PasswordError, match='au moins 12 caractères'):
        check_policy('court')
    with pytest.raises(PasswordError, match='dépasser 512 caractères'):
        check_policy('une phrase ' * 60)


def test_hashing_applies_the_policy_with_the_users_identity():
    with pytest.raises(PasswordError, match='votre nom'):
        hash_password('alicedurand2024', **ALICE)
    assert verify_password('une phrase de passe solide', hash_password('une phrase de passe solide', **ALICE))
