#!/usr/bin/env python3
"""Facturier: self-hosted invoicing for French small businesses.

`python main.py` serves the app; `python main.py --help` lists the other commands. NiceGUI's test fixture runs
this file with NICEGUI_USER_SIMULATION set: it then only builds the app.
"""
import argparse
import asyncio
import atexit
import gc
import importlib
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from logic.config import Config, ConfigError, load  # noqa: E402

# Modules that add command-line subcommands: `add_commands(subparsers)`, each parser with `run=` set
# (an `async def run(config, args) -> int` called with the database open).
CLI_MODULES: list[str] = ['db.cli_documents', 'db.cli_contacts', 'db.cli_output', 'db.cli_sepa', 'db.cli_jobs',
                          'db.cli_closing', 'db.cli_fec']
_held: list = []  # the instance lock (db/backup.py: hold_instance), kept open for the life of the process


def build_app(config: Config) -> None:
    """Register pages, static files and the database lifespan on NiceGUI's app."""
    from nicegui import app, core, run, ui  # noqa: PLC0415 - keeps `--help` and the CLI commands fast

    import pages  # noqa: PLC0415
    from db import engine  # noqa: PLC0415
    from pages import runtime  # noqa: PLC0415
    from pages.upload_limit import UploadLimit  # noqa: PLC0415

    runtime.set_config(config)
    # PDF rendering runs in worker processes: start them fresh rather than forking a process that holds the
    # event loop and database connections.
    run.process_pool_start_method = 'spawn'
    pages.register_all()
    app.add_middleware(UploadLimit)  # 413 beyond the largest legitimate upload, checked by the server
    _add_transport_and_session(app, config)
    app.add_static_files('/assets', str(ROOT / 'assets'))
    ui.add_head_html('<link rel="stylesheet" href="/assets/style.css">', shared=True)

    # The test fixture re-runs this file on the same app object: wrap NiceGUI's lifespan only once.
    router = core.app.router
    if not hasattr(router, 'facturier_lifespan'):
        original = router.lifespan_context

        @asynccontextmanager
        async def lifespan(asgi_app):
            url = runtime.config().database_url
            await engine.open_database(url)
            relay = None
            try:
                if engine.is_postgres(url):  # several app processes may share the database: relay live changes
                    from db.change_relay import ChangeRelay  # noqa: PLC0415

                    relay = ChangeRelay(url)
                    await relay.start()
                async with original(asgi_app) as state:
                    yield state
            finally:
                if relay is not None:
                    await relay.stop()
                await engine.close_database()

        router.lifespan_context = lifespan
        router.facturier_lifespan = True


def _add_transport_and_session(app, config: Config) -> None:
    """The session cookie's middleware, with the transport middleware around it (pages/security.py: Transport).

    Added here rather than by ui.run, which would put the session outside every middleware added before it: then
    the cookie it sets could not be made Secure. NiceGUI keeps a session middleware it finds (storage.py).
    """
    from starlette.middleware.sessions import SessionMiddleware  # noqa: PLC0415

    from pages.security import Transport  # noqa: PLC0415

    app.add_middleware(SessionMiddleware, secret_key=config.secret, same_site='lax',
                       max_age=config.absolute_timeout_hours * 3600)
    app.add_middleware(Transport, trusted_proxies=config.trusted_proxies,
                       always_secure=config.secure_cookies == 'always')


def run_kwargs(config: Config) -> dict:
    return {
        'title': 'Facturier', 'language': 'fr', 'favicon': str(ROOT / 'assets' / 'favicon.svg'),
        'storage_secret': config.secret, 'reload': False, 'show': False,
        # Proxy headers are read by pages.security.Transport, from FACTURIER_TRUSTED_PROXIES only.
        'proxy_headers': False,
    }


def serve(config: Config) -> None:
    from nicegui import ui  # noqa: PLC0415

    from db import backup, engine  # noqa: PLC0415

    try:  # held until the process ends, migrations included: `restore` refuses meanwhile (db/backup.py)
        _held.append(backup.hold_instance(config))
    except backup.BackupError as exc:
        _die(str(exc))
    try:  # fail fast with one line, before the server starts, when the database can't be reached or migrated
        asyncio.run(_check_database(config))
    except engine.DatabaseUnavailable as exc:
        _die(str(exc))
    from logic.facturx import checker  # noqa: PLC0415
    from pages import idle_workers  # noqa: PLC0415

    atexit.register(checker.shutdown)
    build_app(config)
    # The e-invoice checker and the PDF workers start on first use and stop after a while unused (issue 21).
    idle_workers.stop_when_idle(config.workers_idle_seconds)
    from nicegui import app  # noqa: PLC0415

    # The ~100,000 objects loaded at import live as long as the process: keeping the garbage collector off them
    # cuts its pauses from ~100 ms to a few ms during big exports (measured in bench/bench_contacts.py).
    app.on_startup(lambda: (gc.collect(), gc.freeze()))
    _start_job_workers(app, config)
    print(f'Facturier : http://{config.host}:{config.port}', flush=True)
    ui.run(host=config.host, port=config.port, show_welcome_message=False, **run_kwargs(config))


def _start_job_workers(app, config: Config) -> None:
    """This web process's row in the process registry (db/processes.py) and, unless FACTURIER_JOB_WORKERS=0, the
    job workers that run its heavy work (batch PDFs, exports) in processes of their own (db/job_worker.py)."""
    from db.job_worker import WorkerSupervisor  # noqa: PLC0415
    from db.processes import Heartbeat  # noqa: PLC0415

    # Lambdas: NiceGUI passes the app to a handler that takes parameters.
    heartbeat = Heartbeat('web', config.data_dir)
    app.on_startup(lambda: heartbeat.start())
    app.on_shutdown(lambda: heartbeat.stop())
    if config.job_workers:
        supervisor = WorkerSupervisor([sys.executable, str(ROOT / 'main.py'), 'worker'], config.job_workers,
                                      idle_seconds=config.workers_idle_seconds)
        app.on_startup(lambda: supervisor.start())
        app.on_shutdown(lambda: supervisor.stop())


async def _run_with_database(config: Config, args) -> int:
    """Run a plugged-in command with the database open and migrated; a DomainError is one French line."""
    from db import backup, engine, instance  # noqa: PLC0415
    from logic.errors import DomainError  # noqa: PLC0415

    try:
        _held.append(backup.hold_instance(config))  # a restore must not replace the data under a command
        await engine.open_database(config.database_url)
    except backup.BackupError as exc:
        _die(str(exc))
    except engine.DatabaseUnavailable as exc:
        _die(str(exc))
    try:
        await instance.check_secret(config.secret)
        return await args.run(config, args)
    except DomainError as exc:
        _die(str(exc))
    finally:
        await engine.close_database()
    return 2


async def _check_database(config: Config, *, secret: bool = True) -> None:
    """The database answers, is migrated, and (`secret`) knows this secret (db/instance.py); else one French line.
    A restore checks no secret: the secret file it brings back is read by the next start."""
    from db import engine, instance  # noqa: PLC0415
    from logic.errors import DomainError  # noqa: PLC0415

    await engine.open_database(config.database_url)
    try:
        if secret:
            await instance.check_secret(config.secret)
    except DomainError as exc:
        raise engine.DatabaseUnavailable(str(exc)) from exc
    finally:
        await engine.close_database()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog='python main.py', description='Facturier : facturation pour les TPE. '
                                     'Sans commande, démarre le serveur web.')
    commands = parser.add_subparsers(dest='command', metavar='COMMANDE')
    commands.add_parser('serve', help='démarrer le serveur web (par défaut)')
    p_backup = commands.add_parser('backup', help='sauvegarder base, fichiers et secret dans une archive')
    p_backup.add_argument('file', type=Path, help='archive à écrire (.tar.gz)')
    p_restore = commands.add_parser('restore', help='restaurer une sauvegarde')
    p_restore.add_argument('file', type=Path, help='archive à lire')
    p_restore.add_argument('--force', action='store_true', help='écraser les données existantes')
    commands.add_parser('migrate', help='appliquer les migrations de la base puis quitter')
    for module in CLI_MODULES:  # each adds its subcommands, with `run=async def (config, args) -> int`
        importlib.import_module(module).add_commands(commands)
    args = parser.parse_args(argv)
    standalone = getattr(args, 'standalone', None)  # a check needing neither configuration nor database (issue 13)
    if standalone is not None and (code := standalone(args)) is not None:
        return code

    try:
        config = load()
    except ConfigError as exc:
        _die(str(exc))
    if args.command in (None, 'serve'):
        serve(config)
        return 0
    from db import backup, engine  # noqa: PLC0415

    if hasattr(args, 'run'):
        return asyncio.run(_run_with_database(config, args))
    try:
        if args.command != 'restore':
            _held.append(backup.hold_instance(config))
        if args.command == 'backup':
            manifest = backup.backup(config, args.file)
            print(f'Sauvegarde écrite : {args.file} (base {manifest["database"]}).')
        elif args.command == 'restore':
            if running := asyncio.run(_live_processes(config)):
                from db.processes import describe  # noqa: PLC0415

                _die(f'Facturier est en cours d’exécution sur cette base ({describe(running)}) : arrêtez-le avant '
                     'de restaurer.')
            # The migrations bring an older backup's schema up to date before a server may start on it.
            manifest = backup.restore(config, args.file, force=args.force,
                                      then=lambda: asyncio.run(_check_database(config, secret=False)))
            print(f'Sauvegarde du {manifest["created_at"][:19]} restaurée dans {config.data_dir}.')
        elif args.command == 'migrate':
            asyncio.run(_check_database(config, secret=False))
            print('Base de données à jour.')
    except (backup.BackupError, engine.DatabaseUnavailable) as exc:
        _die(str(exc))
    return 0


async def _live_processes(config: Config) -> list:
    """The web and worker processes alive on this database (db/processes.py), those of other machines included:
    the lock file of db/backup.py only sees this machine's. Nothing when there is no database yet."""
    from db import engine, processes  # noqa: PLC0415

    if config.is_sqlite and not config.sqlite_path.exists():
        return []
    try:
        await engine.open_database(config.database_url, migrate=False)
    except engine.DatabaseUnavailable:
        return []
    try:
        return await processes.live()
    except Exception:  # noqa: BLE001 - a database from before the registry (no `process` table): nobody to see
        return []
    finally:
        await engine.close_database()


def _die(message: str) -> None:
    print(f'Erreur : {message}', file=sys.stderr)
    sys.exit(2)


if __name__ == '__main__':  # not '__mp_main__': worker processes must not start a server
    if os.environ.get('NICEGUI_USER_SIMULATION'):
        from nicegui import ui

        _config = load()
        build_app(_config)
        ui.run(**run_kwargs(_config))
    else:
        sys.exit(main(sys.argv[1:]))
