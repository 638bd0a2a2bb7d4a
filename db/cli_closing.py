"""Closings and archives on the command line (issue 13), plugged into main.py through CLI_MODULES.

    python main.py close --month 2026-11              # close a month that is over (the months before it first)
    python main.py close --year 2026                  # close the fiscal year ending in 2026 (and its open months)
    python main.py close --due                        # every period over and not closed yet
    python main.py close --month 2026-11 --report F   # ... and write its report (PDF)
    python main.py archive --year 2026 -o FILE        # the signed archive of a closed fiscal year
    python main.py verify --archive FILE              # check an archive alone: no configuration, no database
    python main.py verify --closing-report FILE       # the chains, then the database against a closing report

Exit codes: 0 done or intact, 1 something altered, 2 refused (one French line).
"""
import asyncio
from pathlib import Path

from db import closings
from db.actor import Actor
from db.cli_output import in_thread
from logic.archive import verify_archive
from logic.closing import MONTH, YEAR
from logic.errors import DomainError
from logic.render.closing_report import read_closing

CLI_ACTOR = Actor(user_id=None, email='ligne de commande', name='Ligne de commande')


def add_commands(subparsers) -> None:
    close = subparsers.add_parser('close', help='clôturer un mois ou un exercice terminé')
    which = close.add_mutually_exclusive_group(required=True)
    which.add_argument('--month', help='mois à clôturer (AAAA-MM)')
    which.add_argument('--year', help='exercice à clôturer (AAAA : l’année où il se termine)')
    which.add_argument('--due', action='store_true', help='toutes les périodes terminées non clôturées')
    close.add_argument('--report', type=Path, help='écrire le rapport de clôture (PDF) de la dernière clôture')
    close.set_defaults(run=run_close)
    archive = subparsers.add_parser('archive', help='archive signée d’un exercice clôturé')
    archive.add_argument('--year', required=True, type=int, help='exercice (AAAA : l’année où il se termine)')
    archive.add_argument('-o', '--output', required=True, type=Path, help='archive à écrire (.tar)')
    archive.set_defaults(run=run_archive)


async def run_close(config, args) -> int:
    if args.report is not None and args.report.exists():
        raise DomainError(f'Le fichier {args.report} existe déjà.')
    if args.due:
        made = await closings.close_due(CLI_ACTOR, secret=config.secret)
    else:
        period = await closings.period_of(MONTH if args.month else YEAR, args.month or args.year)
        made = await closings.close(CLI_ACTOR, period, secret=config.secret)
    if not made:
        print('Aucune période à clôturer.')
        return 0
    for closing in made:
        print(f'{closing.label} clôturé : empreinte {closing.fingerprint}')
    if args.report is not None:
        pdf = await closings.report_pdf(made[-1], secret=config.secret, run=in_thread)
        await asyncio.to_thread(args.report.write_bytes, pdf)
        print(f'Rapport de clôture écrit dans {args.report}.')
    return 0


async def run_archive(config, args) -> int:
    from db.archive import build_archive

    manifest = await build_archive(args.year, args.output, config=config, run=in_thread,
                                   progress=lambda done, total: print(f'{done}/{total} documents', flush=True))
    missing = manifest.get('missing_originals') or []
    print(f'Archive {manifest["label"]} écrite dans {args.output} : {len(manifest["files"])} fichier(s), signée '
          f'(clé publique {manifest["public_key"]}).')
    if not manifest.get('fec'):
        print('Le FEC n’est pas dans cette archive : l’export FEC n’est pas disponible dans cette version.')
    if missing:
        print(f'ATTENTION : {len(missing)} original(aux) manquant(s), non archivé(s) : {", ".join(missing[:10])}')
        return 1
    return 0


def verify_archive_alone(args) -> int | None:
    """`verify --archive FILE`: run before any configuration is read (main.py), None without --archive."""
    if getattr(args, 'archive', None) is None:
        return None
    if not args.archive.is_file():
        print(f'Erreur : archive introuvable : {args.archive}')
        return 2
    report = verify_archive(args.archive)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


async def check_closing_report(path: Path) -> bool:
    """`verify --closing-report FILE`: the report on its own, then the database against it; True when they agree."""
    print(f'Rapport de clôture {path}')
    try:
        data = await asyncio.to_thread(Path(path).read_bytes)
    except OSError as exc:
        print(f'  ALTÉRÉ : illisible ({exc.strerror or exc}).')
        return False
    record = await asyncio.to_thread(read_closing, data)
    problems = closings.check_report(record)
    if not problems:
        print(f'  {record["payload"].get("label")} : empreinte {record["fingerprint"]}')
        problems = await closings.compare_report(record)
    for problem in problems:
        print(f'  ALTÉRÉE : {problem}')
    if not problems:
        print('  la base correspond au rapport')
    return not problems
