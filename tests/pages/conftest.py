import pytest
from nicegui.testing import User

from tests.personas import ADMIN_EMAIL, ADMIN_PASSWORD


@pytest.fixture(autouse=True)
def _instance(instance_env):
    """Every page test runs main.py against its own fresh database and data dir."""
    return instance_env


async def log_in(user: User, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD, next_path: str = '/') -> None:
    """Fill the login form as a person would; the redirect chain ends on `next_path`."""
    await user.open(f'/login?next={next_path}')
    user.find(marker='email').type(email)
    user.find(marker='password').type(password)
    user.find(marker='login').click()
