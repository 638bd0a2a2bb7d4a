"""Simulated browsers: what NiceGUI's nicegui.js does, without the rendering.

A browser GETs a page with its session cookie; the HTML carries the page's elements as JSON
(`createApp(parseElements(String.raw`{...}`), {query: {client_id, next_message_id, implicit_handshake}})`). It then
opens the socket.io websocket at /_nicegui_ws/socket.io with that query plus a document_id and a tab_id: the
server's connect handler does the handshake (implicit_handshake=true) and attaches the socket to the page's client.
A user action is the `event` message the browser emits: {id, client_id, listener_id, args}, each arg JSON-encoded,
filtered by the listener's `args`. The server answers with an `update` message {element id: element} (or a
`download` message for an export). The time from emitting the event to the update of the list's table is what a
user waits for after a click (plus the browser's rendering, not counted here).

    browser = Browser(server.url, cookies)
    await browser.open('/factures')          # False when the page has no paged table (area not landed)
    milliseconds = await browser.click('sort')
    await browser.close()

An editor (a draft's page) is the same wire: `open_editor('/factures/12')`, then `edit_ms()` types a quantity in a
line (the `edit` event of the lines grid) and waits for the totals to change; `save_ms()` clicks "Enregistrer".
Every warning or error the server shows (`ui.notify`) lands in `browser.notices`.
"""
import ast
import asyncio
import json
import random
import re
import time
import uuid

import httpx
import socketio

ACTIONS = ('page', 'sort', 'filter', 'search')
SEARCHES = ['boulangerie', 'martin', 'garage', 'F20', 'dupont', '', 'cabinet', '']
QUERY = re.compile(r'query: (\{.*?\}),\n')
SETTLE = 2.0
JOB_SHOWN_SECONDS = 60.0  # a click that starts a job shows its progress within this long, or it was refused
UNESCAPE = (('&#36;', '$'), ('&#96;', '`'), ('&gt;', '>'), ('&lt;', '<'), ('&amp;', '&'))


class PageUnavailable(Exception):
    """The page answered, but without the list this benchmark clicks through."""


LOCAL_STORAGE = re.compile(r'localStorage\.(setItem|getItem|removeItem)\((.*)\)', re.S)

class Browser:
    def __init__(self, base_url: str, cookies: dict, *, seed: int = 0, verify: bool = True,
                 storage: dict | None = None) -> None:
        """`verify=False`: accept a self-signed certificate (the HTTPS proxy of tests/test_deploy.py). `storage`: the
        browser's local storage, kept across pages (give the same dict to the Browser of the next page)."""
        self.storage = {} if storage is None else storage
        self.base_url = base_url
        self.verify = verify
        self.cookies = cookies
        self.rng = random.Random(seed)
        self.path = ''
        self.http = httpx.AsyncClient(base_url=base_url, cookies=cookies, timeout=60, verify=verify)
        self.sio: socketio.AsyncClient | None = None
        self.client_id = ''
        self.elements: dict[str, dict] = {}
        self.table = self.search = self.state = self.export = ''
        self._waiting: dict[str, asyncio.Queue] = {}
        self._updated = asyncio.Event()  # set by every update message (see `_appears`)
        self._download: asyncio.Future | None = None
        self.downloaded_bytes = 0
        self.downloaded_url = ''  # the address of the last file downloaded (a job's result)
        self.grid = self.save = ''
        self.totals: list[str] = []
        self.notices: list[str] = []  # what a user would have seen as a warning or an error

    async def open(self, path: str) -> bool:
        """Load the page and connect its websocket; False when the page has no paged table."""
        response = await self.http.get(path)
        if response.status_code != 200:
            raise PageUnavailable(f'GET {path}: HTTP {response.status_code}')
        query, self.elements = parse_page(response.text)
        self.path, self.client_id = path, query['client_id']
        self.table = _find(self.elements, lambda element: _listener(element, 'request'))
        self.search = _find(self.elements, lambda element: element.get('props', {}).get('data-field') == 'search')
        self.state = _find(self.elements, lambda element: element.get('props', {}).get('data-field') in (
            'state', 'kind'))
        self.export = _find(self.elements, lambda element: element.get('props', {}).get('data-action') == 'export')
        if not self.table:
            return False
        await self._connect(query)
        return True

    async def open_editor(self, path: str) -> bool:
        """Load a document's page and connect its websocket; False when it has no editable lines."""
        response = await self.http.get(path)
        if response.status_code != 200:
            raise PageUnavailable(f'GET {path}: HTTP {response.status_code}')
        query, self.elements = parse_page(response.text)
        self.path, self.client_id = path, query['client_id']
        self.grid = _find(self.elements, lambda element: _listener(element, 'edit') and 'rows' in element.get(
            'props', {}))
        self.save = _find(self.elements, lambda element: element.get('props', {}).get('data-action') == 'save')
        self.totals = [element_id for element_id, element in self.elements.items()
                       if 'data-total' in element.get('props', {})]
        if not (self.grid and self.save and self.totals and self._items()):
            return False
        await self._connect(query)
        return True

    async def edit_ms(self, *, timeout: float = 60) -> float:
        """Type another quantity in one of the lines; milliseconds until the totals show the new figures."""
        row = self.rng.choice(self._items())
        current = str(row.get('quantity', ''))
        value = self.rng.choice([str(n) for n in range(1, 41) if str(n) != current])
        row['quantity'] = value
        started = time.perf_counter()
        queue = self._expect(self.totals)
        try:
            await self._emit(self.grid, 'edit', {'key': row['key'], 'field': 'quantity', 'value': value})
            arrived, _ = await asyncio.wait_for(queue.get(), timeout)
        finally:
            self._forget(self.totals)
        return (arrived - started) * 1000

    async def save_ms(self, *, timeout: float = 60) -> float:
        """Click "Enregistrer"; milliseconds until the page shows the draft saved (its next update)."""
        watched = [element_id for element_id in self.elements if element_id != self.save]
        started = time.perf_counter()
        queue = self._expect(watched)
        try:
            await self._emit(self.save, 'click', None)
            arrived, _ = await asyncio.wait_for(queue.get(), timeout)
        finally:
            self._forget(watched)
        return (arrived - started) * 1000

    def _items(self) -> list[dict]:
        return [row for row in self.elements.get(self.grid, {}).get('props', {}).get('rows', [])
                if row.get('kind') == 'item']

    def _expect(self, element_ids: list[str]) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        for element_id in element_ids:
            self._waiting[element_id] = queue
        return queue

    def _forget(self, element_ids: list[str]) -> None:
        for element_id in element_ids:
            self._waiting.pop(element_id, None)

    async def _connect(self, query: dict) -> None:
        query = {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in query.items()}
        query.update(document_id=str(uuid.uuid4()), tab_id=str(uuid.uuid4()))
        # aiohttp refuses websocket messages over 4 MB by default: an export of 100,000 rows is bigger.
        self.sio = socketio.AsyncClient(reconnection=False, websocket_extra_options={'max_msg_size': 0},
                                        ssl_verify=self.verify)
        self.sio.on('update', self._on_update)
        self.sio.on('download', self._on_download)
        self.sio.on('notify', self._on_notify)
        self.sio.on('run_javascript', self._on_javascript)
        cookie = '; '.join(f'{key}={value}' for key, value in self.cookies.items())
        await self.sio.connect(f'{self.base_url}?{httpx.QueryParams(query)}', transports=['websocket'],
                               socketio_path='/_nicegui_ws/socket.io', headers={'Cookie': cookie}, wait_timeout=30)

    async def click(self, action: str, *, timeout: float = 60) -> float:
        """Do one action on the list; milliseconds until the table's update arrived (TimeoutError past timeout)."""
        if action == 'page':
            pagination = self._pagination()
            last = max((pagination.get('rowsNumber') or 0) - 1, 0) // pagination['rowsPerPage'] + 1
            pagination['page'] = pagination['page'] % last + 1
            return await self._emit_and_wait(self.table, 'request', {'pagination': pagination, 'filter': None},
                                             timeout)
        if action == 'sort':
            columns = [column['name'] for column in self.elements[self.table]['props'].get('columns', [])
                       if column.get('sortable')]
            pagination = {**self._pagination(), 'page': 1, 'sortBy': self.rng.choice(columns),
                          'descending': self.rng.random() < 0.5}
            return await self._emit_and_wait(self.table, 'request', {'pagination': pagination, 'filter': None},
                                             timeout)
        if action == 'filter' and self.state:  # another option than the current one, or nothing would change
            props = self.elements[self.state]['props']
            options = [option for option in props.get('options', []) if option != props.get('model-value')]
            return await self._emit_and_wait(self.state, 'update:modelValue', self.rng.choice(options), timeout)
        if action == 'search' and self.search:
            props = self.elements[self.search]['props']
            props['value'] = self.rng.choice([text for text in SEARCHES if text != props.get('value')])
            return await self._emit_and_wait(self.search, 'update:value', props['value'], timeout)
        return await self.click('page', timeout=timeout)

    async def export_ms(self, *, timeout: float = 600) -> float:
        """Click "Export Excel" as a user does: the page queues a job (pages/downloads.py: start_job) and shows its
        progress in a JobDialog, which reads the job's row until the worker has written the file, then starts the
        download (`ui.download.from_url('/telechargements/<id>/fichier')`), fetched here over HTTP as the browser
        would. Milliseconds from the click to the file received; the dialog is then closed ("Fermer")."""
        if not self.export:
            raise PageUnavailable(f'{self.path} has no export button')
        started = time.perf_counter()
        arrived = await self._click_for_file(self.export, timeout)
        if closer := self._newest(lambda element: _data(element, 'action') == 'close-job'):
            await self._emit(closer, 'click', None)
        return (arrived - started) * 1000

    async def batch_print(self, first: str, last: str, *, timeout: float = 900) -> float:
        """"Édition groupée" on this list as a user does it: the button opens the dialog (pages/batch_print.py), the
        number range is typed in "Du numéro" / "Au numéro", "Lancer" queues the job (job_kinds.batch_print, run by
        the job worker through publishing.batch_print) and the dialog follows its progress until the file downloads
        by itself. Milliseconds from "Lancer" to the file received (`downloaded_url` names the job)."""
        button = _find(self.elements, lambda element: _data(element, 'action') == 'batch')
        if not button:
            raise PageUnavailable(f'{self.path} has no "Édition groupée" button')
        await self._emit(button, 'click', None)
        launch = await self._appears(lambda element: _data(element, 'action') == 'start-batch', 60)
        for field, value in (('first', first), ('last', last)):
            element_id = self._newest(lambda element, field=field: _data(element, 'field') == field)
            listener = next(item for item in self.elements[element_id].get('events', [])
                            if item['type'].startswith('update:'))
            await self._emit(element_id, listener['type'], value)
        await asyncio.sleep(0.2)  # the typed range is in the dialog's inputs before "Lancer" (not timed)
        started = time.perf_counter()
        arrived = await self._click_for_file(launch, timeout)
        return (arrived - started) * 1000

    async def _click_for_file(self, element_id: str, timeout: float) -> float:
        """Click, then wait for the download the page starts once its job is done; the moment the file was received.
        A job that failed or was refused shows its message (a notification or the dialog's line): raised at once."""
        self._download = asyncio.get_running_loop().create_future()
        notices = len(self.notices)
        newest = max((int(key) for key in self.elements if key.isdigit()), default=0)
        await self._emit(element_id, 'click', None)
        deadline = time.monotonic() + timeout
        shown = time.monotonic() + JOB_SHOWN_SECONDS
        while True:
            try:
                arrived, self.downloaded_bytes = await asyncio.wait_for(asyncio.shield(self._download), 1.0)
                return arrived
            except TimeoutError:
                pass
            failed = self.notices[notices:] or [text for text in self._texts(after=newest) if text.startswith(
                ('Échec', 'Annulé'))]
            if failed:
                raise RuntimeError(f'the job did not give its file: {failed[0]}')
            if shown and self._job_shown(newest):
                shown = 0.0
            elif shown and time.monotonic() > shown:
                raise RuntimeError(f'the click showed no job progress within {JOB_SHOWN_SECONDS:.0f} s (the server '
                                   'refused it without a message: see its log)')
            if time.monotonic() > deadline:
                raise TimeoutError(f'no file within {timeout:.0f} s; the page shows: '
                                   f'{" / ".join(self._texts(after=newest)[-3:])}')

    def _job_shown(self, newest: int) -> bool:
        """Whether a job's progress (pages/downloads.py, components/job_progress.py) appeared after element `newest`."""
        return any(int(key) > newest and _data(element, 'action') in ('cancel-job', 'job-download')
                   for key, element in self.elements.items() if key.isdigit())

    async def _appears(self, predicate, timeout: float) -> str:
        """The id of the newest element matching `predicate`, once an update has brought it."""
        deadline = time.monotonic() + timeout
        while not (found := self._newest(predicate)):
            self._updated.clear()
            await asyncio.wait_for(self._updated.wait(), max(deadline - time.monotonic(), 0.01))
        return found

    def _newest(self, predicate) -> str:
        matching = [int(element_id) for element_id, element in self.elements.items() if predicate(element)]
        return str(max(matching)) if matching else ''

    def _texts(self, *, after: int = 0) -> list[str]:
        """The texts of the elements made after element `after`, oldest first."""
        return [str(element.get('text')) for key, element in sorted(
            ((int(key), element) for key, element in self.elements.items() if key.isdigit()), key=lambda item: item[0])
            if key > after and element.get('text')]

    async def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()
        await self.http.aclose()

    # --- the wire ---------------------------------------------------------------------------------------------

    async def _emit_and_wait(self, element_id: str, event: str, value, timeout: float) -> float:
        """A filter or a search reloads the table twice: first back to page 1 with the old rows, then the new rows
        once fetched. The user waits for the second, so an update that only shows the old rows on page 1 is
        skipped (unless nothing else comes within SETTLE seconds: then the new rows were the same)."""
        queue: asyncio.Queue = asyncio.Queue()
        self._waiting[self.table] = queue
        table = self.elements[self.table]['props']
        before = (table.get('rows'), {**(table.get('pagination') or {}), 'page': 1})
        started = time.perf_counter()
        try:
            await self._emit(element_id, event, value)
            arrived, props = await asyncio.wait_for(queue.get(), timeout)
            if element_id != self.table and (props.get('rows'), props.get('pagination')) == before:
                try:
                    arrived, props = await asyncio.wait_for(queue.get(), SETTLE)
                except TimeoutError:
                    pass
        finally:
            self._waiting.pop(self.table, None)
        return (arrived - started) * 1000

    async def _emit(self, element_id: str, event: str, value) -> None:
        listener = _listener(self.elements[element_id], event)
        args = [] if listener['args'] == [] else [json.dumps(value)]  # an empty filter sends no argument
        await self.sio.emit('event', {'id': int(element_id), 'client_id': self.client_id,
                                      'listener_id': listener['listener_id'], 'args': args})

    async def _on_update(self, message: dict) -> None:
        arrived = time.perf_counter()
        for element_id, element in message.items():
            if element_id.startswith('_'):
                continue
            if element is None:
                self.elements.pop(element_id, None)
                continue
            self.elements[element_id] = element
            if (queue := self._waiting.get(element_id)) is not None:
                queue.put_nowait((arrived, element.get('props', {})))
        self._updated.set()

    async def _on_javascript(self, message: dict) -> None:
        """Answer what the server asks the page (nothing is run here): unanswered, each request ends in a timeout
        and a traceback in the server's log. The left drawer asks whether it is open: it is, on a desktop."""
        code = str(message.get('code', '')) if isinstance(message, dict) else ''
        result = True if '__IS_DRAWER_OPEN__' in code else self._local_storage(code)
        if isinstance(message, dict) and message.get('request_id'):
            await self.sio.emit('javascript_response', {'request_id': message['request_id'],
                                                        'client_id': self.client_id, 'result': result})

    def _local_storage(self, code: str) -> str | None:
        """What the page asks of the local storage (components/draft_keeper.py: JSON string literals), done on
        `self.storage`; the item read, or None."""
        if match := LOCAL_STORAGE.fullmatch(code.strip()):
            operation, arguments = match.group(1), json.loads(f'[{match.group(2)}]')
            if operation == 'setItem':
                self.storage[arguments[0]] = arguments[1]
            elif operation == 'removeItem':
                self.storage.pop(arguments[0], None)
            else:
                return self.storage.get(arguments[0])
        return None

    def shows(self, role: str) -> bool:
        """Whether an element of the page carries data-role=`role` (what the server has sent so far)."""
        return any(element.get('props', {}).get('data-role') == role for element in self.elements.values())

    async def _on_notify(self, message: dict) -> None:
        if isinstance(message, dict) and message.get('type') in ('negative', 'warning'):
            self.notices.append(str(message.get('message', '')))

    async def _on_download(self, message: dict) -> None:
        source = message.get('src')
        size = len(source) if isinstance(source, (bytes, bytearray)) else 0
        if isinstance(source, str):  # a URL: fetch it, as the browser would
            response = await self.http.get(source)
            if response.status_code != 200 and self._download is not None and not self._download.done():
                self._download.set_exception(RuntimeError(f'GET {source}: HTTP {response.status_code}'))
                return
            size = len(response.content)
            self.downloaded_url = source
        if self._download is not None and not self._download.done():
            self._download.set_result((time.perf_counter(), size))

    def _pagination(self) -> dict:
        pagination = dict(self.elements[self.table]['props'].get('pagination') or {})
        pagination.setdefault('page', 1)
        pagination['rowsPerPage'] = pagination.get('rowsPerPage') or 25
        return pagination


def parse_page(html: str) -> tuple[dict, dict[str, dict]]:
    """The socket.io query and the elements a NiceGUI page ships in its HTML."""
    match = QUERY.search(html)
    if 'parseElements(String.raw`' not in html or match is None:
        raise PageUnavailable('not a NiceGUI page (a redirect to the login page?)')
    raw = html.split('parseElements(String.raw`', 1)[1].split('`)', 1)[0]
    for escaped, character in UNESCAPE:
        raw = raw.replace(escaped, character)
    return ast.literal_eval(match.group(1)), json.loads(raw)  # the query is a Python dict literal


def _listener(element: dict, event: str) -> dict | None:
    return next((listener for listener in element.get('events', []) if listener['type'] == event), None)


def _data(element: dict, name: str) -> str | None:
    """The element's data-<name> attribute (how the pages mark the controls a test or a benchmark looks for)."""
    return element.get('props', {}).get(f'data-{name}')


def _find(elements: dict[str, dict], predicate) -> str:
    return next((element_id for element_id, element in elements.items() if predicate(element)), '')
