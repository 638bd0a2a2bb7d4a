from nicegui.testing import User

from db import change_relay, engine


async def test_healthz_answers_200_with_json_when_the_database_answers(user: User):
    response = await user.http_client.get('/healthz')
    relay = {'relay': 'ok'} if change_relay.status() else {}  # on PostgreSQL the server relays live changes
    assert response.status_code == 200 and response.json() == {'status': 'ok', 'database': 'ok', **relay}


async def test_healthz_answers_503_when_the_database_does_not(user: User):
    await user.http_client.get('/healthz')
    await engine.close_database()
    response = await user.http_client.get('/healthz')
    assert response.status_code == 503 and response.json()['database'] == 'unreachable'


async def test_the_logo_is_not_served_to_anonymous_visitors(user: User):
    response = await user.http_client.get('/_files/logo')
    assert response.status_code == 404


async def test_pages_are_sent_with_protective_headers(user: User):
    response = await user.http_client.get('/login', follow_redirects=True)
    assert response.headers['X-Frame-Options'] == 'SAMEORIGIN'
    assert response.headers['X-Content-Type-Options'] == 'nosniff'


async def test_healthz_answers_503_while_the_relay_of_changes_is_cut(user: User, monkeypatch):
    """A process that no longer hears the others' changes shows stale pages: the load balancer must avoid it."""
    import time  # noqa: PLC0415

    from db import change_relay  # noqa: PLC0415

    relay = change_relay.ChangeRelay('postgres://nobody@127.0.0.1:1/none')
    monkeypatch.setattr(change_relay, '_running', relay)
    response = await user.http_client.get('/healthz')
    assert response.status_code == 200 and response.json()['relay'] == 'ok'
    relay.down_since = time.monotonic() - change_relay.DOWN_GRACE_SECONDS - 1
    response = await user.http_client.get('/healthz')
    assert response.status_code == 503 and response.json() == {'status': 'error', 'database': 'ok', 'relay': 'down'}
