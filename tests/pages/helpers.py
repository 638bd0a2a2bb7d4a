"""What a person does on a page, for the User-fixture tests: log in, read a marked element, edit a line."""
from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction

from components.lines_table import LinesTable
from tests.personas import ADMIN_EMAIL, ADMIN_PASSWORD


async def log_in(user: User, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD, next_path: str = '/') -> None:
    """Fill the login form as a person would; the redirect chain ends on `next_path`."""
    await user.open(f'/login?next={next_path}')
    user.find(marker='email').type(email)
    user.find(marker='password').type(password)
    user.find(marker='login').click()


async def log_out(user: User) -> None:
    """What the menu's 'Se déconnecter' does in the browser: post the page's logout form (JavaScript submits it)."""
    csrf = user.find(marker='logout-csrf').elements.pop().props['value']
    response = await user.http_client.post('/_auth/logout', data={'csrf': csrf}, follow_redirects=True)
    assert response.url.path == '/login'
    await user.open('/login')


def elements(user: User, marker: str) -> list:
    """The elements carrying `marker`, in the order they were created (top to bottom for new rows)."""
    return sorted(user.find(marker=marker).elements, key=lambda element: element.id)


def shown(user: User, marker: str) -> str:
    """The text of the first element carrying `marker` (assert on a marked element, not on any text on the page)."""
    return elements(user, marker)[0].text


def lines_of(user: User) -> LinesTable:
    return elements(user, 'lines')[0].parent_slot.parent


def edit(user: User, position: int, field: str, value: str) -> None:
    """Type `value` into a field of the line at `position` (1 = first), as the browser reports it."""
    row = lines_of(user).row(position)
    UserInteraction(user, {elements(user, 'lines')[0]}, None).trigger(
        'edit', {'key': row.key, 'field': field, 'value': value})
