"""Send a spreadsheet built from plain data: written in a worker thread, then downloaded by the browser (CO6, AR3).

Why a thread rather than `run.cpu_bound`: the export of 20,000 contacts passes ~8 MB of rows to the worker;
pickling them for a process holds the interpreter ~130 ms in one go, which freezes every user's page longer than
the writing itself does. A thread gives the event loop its turn every few milliseconds (bench/bench_contacts.py).
"""
from collections.abc import Callable

from nicegui import run, ui

from logic.filenames import dated_file

XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


async def download_xlsx(build: Callable[..., bytes], *args, name: str, **kwargs) -> None:
    """`await download_xlsx(export_workbook, records, labels, full=True, name='contacts')` sends
    « contacts-2026-11-28.xlsx »."""
    data = await run.io_bound(build, *args, **kwargs)
    if data is not None:  # None: the server is stopping
        ui.download.content(data, dated_file(name, 'xlsx'), XLSX)
