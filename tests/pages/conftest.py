"""Page tests run main.py in the test process (User fixture), each against its own fresh database and data dir.

Fixtures: `admin` starts the app and sets up the company with its admin (the persona of tests.personas) and returns
the admin's Actor for db/ operations; `clerk` adds the clerk. Nobody is logged in yet: a test prepares its data, then
logs in on the page it looks at (tests.pages.helpers.log_in).
"""
import re

import pytest
from nicegui.testing import User

from db.actor import Actor
from tests.personas import add_clerk, set_up_company


@pytest.fixture(autouse=True)
def _instance(instance_env):
    """Every page test runs main.py against its own fresh database and data dir."""
    return instance_env


@pytest.fixture
async def admin(user: User) -> Actor:
    # What this browser kept of unsaved drafts (components/draft_keeper.py): nothing, unless a test says otherwise.
    user.javascript_rules[re.compile(r'localStorage\.getItem')] = lambda _match: None
    await user.open('/login')  # starts the app and its database
    return await set_up_company()


@pytest.fixture
async def clerk(admin: Actor) -> Actor:
    return await add_clerk(admin)
