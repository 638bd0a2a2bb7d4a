"""Command-line tools of the documents area, plugged into main.py through CLI_MODULES.

    python main.py verify                          # integrity chains (AC3); exit code 1 when a chain is broken
    python main.py demo                            # a small demo company in an empty instance
    python main.py demo --invoices 100000 --seed 7 # the benchmark's load, through the rules
    python main.py demo --company micro            # a micro-entrepreneur under the VAT franchise instead
"""
import argparse
import time
from pathlib import Path

from db import cli_closing
from db.integrity import verify_integrity


def add_commands(subparsers) -> None:
    verify = subparsers.add_parser('verify', help='vérifier l’intégrité des factures, des avoirs et des règlements')
    # Issue 13 (db/cli_closing.py): an archive is checked alone, without configuration nor database; a closing
    # report is compared with the database after the chains.
    verify.add_argument('--archive', type=Path, help='vérifier seulement cette archive d’exercice (sans la base)')
    verify.add_argument('--closing-report', type=Path, action='append', default=[],
                        help='comparer la base à ce rapport de clôture (PDF), répétable')
    verify.set_defaults(run=run_verify, standalone=cli_closing.verify_archive_alone)
    demo = subparsers.add_parser('demo', help='remplir une instance vide avec une société de démonstration')
    demo.add_argument('--invoices', type=_positive, default=None,
                      help='nombre de factures (40 par défaut, 90 pour --company micro)')
    demo.add_argument('--seed', type=int, default=1, help='graine du générateur (mêmes données à graine égale)')
    demo.add_argument('--company', choices=('sarl', 'micro'), default='sarl',
                      help='sarl : entreprise de rénovation (par défaut) ; micro : micro-entrepreneur en franchise '
                           'de TVA')
    demo.set_defaults(run=run_demo)


async def run_verify(config, args) -> int:
    reports = await verify_integrity(config.secret, files_dir=getattr(config, 'files_dir', None))
    for report in reports:
        print(f'{report.label} : {report.count} document(s)', end='')
        if report.count:
            print(f', du {report.first_number} au {report.last_number}')
            print(f'  empreinte de tête : {report.head}')
        else:
            print()
        for problem in report.problems:  # each anomaly on its own line
            print(f'  ALTÉRÉE : {problem}')
        if report.ok:
            print('  intacte')
    reports_ok = [await cli_closing.check_closing_report(path) for path in getattr(args, 'closing_report', [])]
    return 0 if all(report.ok for report in reports) and all(reports_ok) else 1


async def run_demo(config, args) -> int:
    from db.demo import fill_demo  # noqa: PLC0415 - keeps `verify` light

    started = time.perf_counter()
    # All or nothing (db/demo.py): the login is printed once it exists, when the demo is complete. Progress is
    # flushed line by line, so that a log or a pipe shows how far it got.
    summary = await fill_demo(secret=config.secret, invoices=args.invoices, seed=args.seed, company=args.company,
                              progress=lambda text: print(text, flush=True))
    elapsed = time.perf_counter() - started
    print(f'Démonstration prête en {elapsed:.1f} s : {summary.describe()}')
    if summary.admin_password:
        print(f'Connexion : {summary.admin_email} / {summary.admin_password}')
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError('nombre positif attendu')
    return value
