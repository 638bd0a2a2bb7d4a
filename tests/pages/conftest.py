"""Page tests run main.py in the test process (User fixture), each against its own fresh database and data dir.

Fixtures: `admin` starts the app and sets up the company with its admin (the persona of tests.personas) and returns
the admin's Actor for db/ operations; `clerk` adds the clerk. Nobody is logged in yet: a test prepares its data, then
logs in on the page it looks at (tests.pages.helpers.log_in).
"""
import asyncio
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
async def job_worker(user: User):
    """A job worker in the test process (db/job_worker.py), as the server's own would run: it claims what the pages
    queue (exports, grouped printing) once the app has opened its database, and renders in a thread."""
    from tortoise import Tortoise  # noqa: PLC0415

    from db.cli_output import in_thread  # noqa: PLC0415
    from db.job_worker import Worker  # noqa: PLC0415
    from logic.config import load  # noqa: PLC0415

    stop = asyncio.Event()

    async def work() -> None:
        while not Tortoise._inited and not stop.is_set():
            await asyncio.sleep(0.05)
        if not stop.is_set():
            await Worker(load(), run=in_thread, poll=0.1).run(stop)

    task = asyncio.create_task(work())
    yield
    stop.set()
    await task


@pytest.fixture
async def admin(user: User, job_worker) -> Actor:
    # What this browser kept of unsaved drafts (components/draft_keeper.py): nothing, unless a test says otherwise.
    user.javascript_rules[re.compile(r'localStorage\.getItem')] = lambda _match: None
    await user.open('/login')  # starts the app and its database
    return await set_up_company()


@pytest.fixture
async def clerk(admin: Actor) -> Actor:
    return await add_clerk(admin)
