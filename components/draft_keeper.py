"""The browser keeps the open draft's unsaved edits (its local storage) and they are offered back when the page
opens again: after a failover to another app process, a reload, or a tab closed by mistake (issue 21).

    keeper = DraftKeeper(container, document_id=12, user_id=3, secret=config.secret)
    keeper.keep(draft, version)   # after each edit: one write a second later for a burst of keystrokes
    keeper.forget()               # saved (or discarded): the browser drops its copy
    kept = await keeper.kept()    # on opening: {'version', 'at', 'draft'} sealed by us for this user, or None

What the browser holds is sealed (logic/draft_keeping.py): a record changed in the browser is ignored.
"""
import asyncio
import json
from datetime import UTC, datetime

from nicegui import background_tasks, ui

from logic import draft_keeping
from logic.draft import Draft

DELAY = 1.0  # seconds between an edit and the browser's copy
READ_TIMEOUT = 5.0


class DraftKeeper:
    def __init__(self, container: ui.element, *, document_id: int, user_id: int, secret: str) -> None:
        self.container = container
        self.document_id, self.user_id, self.secret = document_id, user_id, secret
        self.key = json.dumps(draft_keeping.storage_key(document_id))  # a JavaScript string literal
        self._pending: tuple[Draft, int] | None = None
        self._task: asyncio.Task | None = None

    def keep(self, draft: Draft, version: int) -> None:
        self._pending = (draft, version)
        if self._task is None or self._task.done():
            self._task = background_tasks.create(self._write_later(), name='keep the draft in the browser')

    async def _write_later(self) -> None:
        await asyncio.sleep(DELAY)
        pending, self._pending = self._pending, None
        if pending is None or self.container.is_deleted:  # saved meanwhile, or the page is gone
            return
        draft, version = pending
        text = draft_keeping.seal(self.secret, document_id=self.document_id, version=version, user_id=self.user_id,
                                  draft=draft, at=datetime.now(UTC))
        self._run(f'localStorage.setItem({self.key}, {json.dumps(text)})')

    def forget(self) -> None:
        self._pending = None
        self._run(f'localStorage.removeItem({self.key})')

    def _run(self, code: str) -> None:
        if not self.container.is_deleted:
            with self.container:
                ui.run_javascript(code)

    async def kept(self) -> dict | None:
        try:
            await self.container.client.connected(timeout=READ_TIMEOUT)
            if self.container.is_deleted:
                return None
            with self.container:
                text = await ui.run_javascript(f'localStorage.getItem({self.key})', timeout=READ_TIMEOUT)
        except (TimeoutError, RuntimeError):  # the browser never answered, or left
            return None
        if text is None:
            return None
        kept = draft_keeping.unseal(self.secret, text, document_id=self.document_id, user_id=self.user_id)
        if kept is None:  # changed in the browser, another instance's or another user's: dropped
            self.forget()
        return kept
