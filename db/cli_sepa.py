"""`python main.py sepa --due-by DATE -o FILE [--version 002|008]`: the direct debit file of what is due (PA5).

The same collection as the "Nouveau prélèvement" button (db/sepa.py: build_collection), for a scheduled job: the
collection date is the earliest the pre-notification period allows. Exit 2 with one French line when nothing is
due, when a client paying by direct debit has no usable mandate (nothing is built: the job must not forget him
silently), or when the file exists already.
"""
import argparse
import asyncio
from datetime import date
from pathlib import Path

from db import sepa
from db.actor import Actor
from logic.errors import DomainError
from logic.sepa import earliest_collection_date

CLI_ACTOR = Actor(user_id=None, email='ligne de commande', name='Ligne de commande')


def add_commands(subparsers) -> None:
    command = subparsers.add_parser('sepa', help='préparer le fichier de prélèvement SEPA des échéances dues')
    command.add_argument('--due-by', required=True, type=_day, help='échéances dues au plus tard ce jour (AAAA-MM-JJ)')
    command.add_argument('-o', '--output', required=True, type=Path, help='fichier XML pain.008 à écrire')
    command.add_argument('--version', choices=('002', '008'), default=None,
                         help='pain.008.001.02 ou .001.08 (celle des paramètres par défaut)')
    command.set_defaults(run=run_sepa)


async def run_sepa(config, args) -> int:
    output: Path = args.output
    if output.exists():
        raise DomainError(f'Le fichier {output} existe déjà.')
    due = await sepa.due_for_collection(args.due_by)
    if due.missing:
        names = ', '.join(sorted({row.client_name for row in due.missing}))
        raise DomainError(f'Mandat de prélèvement manquant ou caduc pour : {names}. Aucun fichier préparé.')
    options = await sepa.settings()
    on = earliest_collection_date(date.today(), options.prenotification_days)
    collection = await sepa.build_collection(CLI_ACTOR, due_by=args.due_by, collection_date=on, version=args.version)
    await asyncio.to_thread(output.write_text, collection.content, 'utf-8')
    print(f'Prélèvement {collection.number} : {collection.count} échéance(s), prélevées le {on:%d/%m/%Y}, '
          f'fichier écrit dans {output}.')
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'date invalide « {text} » (AAAA-MM-JJ attendu)') from None
