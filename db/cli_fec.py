"""`python main.py fec --from 2026-01-01 --to 2026-12-31 -o DIR [--csv]`: the FEC of a period (AC1).

Writes `<SIREN>FEC<AAAAMMJJ>.txt` (the date is the period's last day, its closing date) into DIR, checked by
logic/fec_check.py as it is written; `--csv` also writes the CSV for accounting software beside it. The file is
written under a temporary name and renamed once the checker accepted it: a refused export leaves nothing behind.
Exit 2 with one French line when the checker refuses (its findings follow), when the period has no entry, when the
company has no SIREN, or when the file exists already.
"""
import argparse
import asyncio
from datetime import date
from pathlib import Path

from db import fec
from db.settings import get_company
from logic.errors import DomainError


def add_commands(subparsers) -> None:
    command = subparsers.add_parser('fec', help='écrire le fichier des écritures comptables (FEC) d’une période')
    command.add_argument('--from', dest='date_from', required=True, type=_day, help='premier jour (AAAA-MM-JJ)')
    command.add_argument('--to', dest='date_to', required=True, type=_day,
                         help='dernier jour, date de clôture (AAAA-MM-JJ)')
    command.add_argument('-o', '--output', required=True, type=Path, help='dossier où écrire le fichier')
    command.add_argument('--csv', action='store_true', help='écrire aussi le CSV pour logiciel comptable')
    command.set_defaults(run=run_fec)


async def run_fec(config, args) -> int:
    folder: Path = args.output
    if not folder.is_dir():
        raise DomainError(f'Le dossier {folder} n’existe pas.')
    company = await get_company()
    siren = (company.siren if company else '').strip()
    if not siren:
        raise DomainError('Renseignez le SIREN de la société (Paramètres > Société) : il nomme le fichier des '
                          'écritures comptables.')
    written = [await _write(fec.write_fec, folder / fec.fec_filename(siren, args.date_to), args)]
    if args.csv:
        written.append(await _write(fec.write_csv, folder / fec.csv_filename(siren, args.date_from, args.date_to),
                                    args))
    summary = written[0]
    print(f'FEC du {args.date_from:%d/%m/%Y} au {args.date_to:%d/%m/%Y} : {summary.entries} écritures, '
          f'{summary.lines} lignes ({summary.documents} pièces de vente, {summary.payments} règlements, '
          f'{summary.slips} remises de chèques), écrit dans {folder / fec.fec_filename(siren, args.date_to)}. '
          f'{summary.report.summary()}')
    return 0


async def _write(write, path: Path, args) -> fec.FecSummary:
    if path.exists():
        raise DomainError(f'Le fichier {path} existe déjà.')
    part = path.with_name(path.name + '.part')
    try:
        with open(part, 'wb') as out:  # noqa: ASYNC230 - written batch by batch, between awaits
            summary = await write(args.date_from, args.date_to, out)
        await asyncio.to_thread(part.rename, path)
    finally:
        part.unlink(missing_ok=True)
    return summary


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'date invalide « {text} » (AAAA-MM-JJ attendu)') from None
