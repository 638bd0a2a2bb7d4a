import os
import stat

import pytest

from logic.config import SECRET_FILE, ConfigError, load


def test_defaults_put_everything_in_the_data_dir_with_a_generated_secret(tmp_path):
    config = load({'FACTURIER_DATA_DIR': str(tmp_path / 'data')})
    assert config.database_url == f'sqlite://{tmp_path / "data" / "facturier.sqlite3"}'
    assert (config.host, config.port) == ('127.0.0.1', 8080)
    secret_file = tmp_path / 'data' / SECRET_FILE
    assert len(config.secret) >= 48 and secret_file.read_text().strip() == config.secret
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600


def test_the_generated_secret_is_kept_across_starts(tmp_path):
    first = load({'FACTURIER_DATA_DIR': str(tmp_path)})
    assert load({'FACTURIER_DATA_DIR': str(tmp_path)}).secret == first.secret


def test_an_explicit_secret_wins_and_must_be_long_enough(tmp_path):
    assert load({'FACTURIER_DATA_DIR': str(tmp_path), 'FACTURIER_SECRET': 's' * 40}).secret == 's' * 40
    assert not (tmp_path / SECRET_FILE).exists()
    with pytest.raises(ConfigError, match='trop court'):
        load({'FACTURIER_DATA_DIR': str(tmp_path), 'FACTURIER_SECRET': 'short'})


@pytest.mark.parametrize('url, message', [
    ('mysql://x@y/z', 'sqlite:// ou postgres://'),
    ('postgres://user@/db', 'mal formée'),
    ('postgres://user@host:notaport/db', 'port'),
    ('sqlite://', 'fichier SQLite'),
    ('sqlite:///no/such/dir/base.db', "n’existe pas"),
])
def test_a_malformed_database_url_is_refused_with_a_clear_message(tmp_path, url, message):
    with pytest.raises(ConfigError, match=message):
        load({'FACTURIER_DATA_DIR': str(tmp_path), 'FACTURIER_DATABASE_URL': url})


def test_postgresql_urls_are_accepted_in_both_spellings(tmp_path):
    config = load({'FACTURIER_DATA_DIR': str(tmp_path), 'FACTURIER_DATABASE_URL': 'postgresql://u:p@db:5432/fact'})
    assert config.database_url == 'postgres://u:p@db:5432/fact' and not config.is_sqlite


def test_an_unusable_data_dir_is_refused(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a folder')
    with pytest.raises(ConfigError, match='FACTURIER_DATA_DIR'):
        load({'FACTURIER_DATA_DIR': str(blocker / 'data')})


@pytest.mark.parametrize('name, value', [('FACTURIER_PORT', 'http'), ('FACTURIER_PORT', '70000'),
                                         ('FACTURIER_IDLE_TIMEOUT_MINUTES', '0')])
def test_bad_numbers_are_refused(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load({'FACTURIER_DATA_DIR': str(tmp_path), name: value})


def test_no_proxy_is_trusted_and_cookies_follow_the_request_scheme_by_default(tmp_path):
    config = load({'FACTURIER_DATA_DIR': str(tmp_path)})
    assert config.trusted_proxies == ()
    assert config.secure_cookies == 'auto'


def test_trusted_proxies_are_addresses_or_networks(tmp_path):
    config = load({'FACTURIER_DATA_DIR': str(tmp_path), 'FACTURIER_TRUSTED_PROXIES': '127.0.0.1, 172.16.0.0/12,',
                   'FACTURIER_SECURE_COOKIES': 'always'})
    assert config.trusted_proxies == ('127.0.0.1/32', '172.16.0.0/12')
    assert config.secure_cookies == 'always'
    with pytest.raises(ConfigError, match='« proxy.local » n’est ni une adresse IP ni un réseau'):
        load({'FACTURIER_DATA_DIR': str(tmp_path), 'FACTURIER_TRUSTED_PROXIES': '127.0.0.1,proxy.local'})
    with pytest.raises(ConfigError, match='FACTURIER_SECURE_COOKIES doit valoir auto ou always'):
        load({'FACTURIER_DATA_DIR': str(tmp_path), 'FACTURIER_SECURE_COOKIES': 'yes'})
