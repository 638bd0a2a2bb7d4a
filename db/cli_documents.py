"""Command-line tools of the documents area, plugged into main.py through CLI_MODULES.

    python main.py verify                          # integrity chains (AC3); exit code 1 when a chain is broken
    python main.py demo                            # a small demo company in an empty instance
    python main.py demo --invoices 100000 --seed 7 # the benchmark's load, through the rules
    python main.py demo --company micro            # a micro-entrepreneur under the VAT franchise instead
"""
import argparse
import time

from db.integrity import verify_integrity


def add_commands(subparsers) -> None:
    verify = subparsers.add_parser('verify', help='vérifier l’intégrité des factures, des avoirs et des règlements')
    verify.set_defaults(run=run_verify)
    demo = subparsers.add_parser('demo', help='remplir une instance vide avec une société de démonstration')
    demo.add_argument('--invoices', type=_positive, default=None,
                      help='nombre de factures (40 par défaut, 90 pour --company micro)')
    demo.add_argument('--seed', type=int, default=1, help='graine du générateur (mêmes données à graine égale)')
    demo.add_argument('--company', choices=('sarl', 'micro'), default='sarl',
                      help='sarl : entreprise de rénovation (par défaut) ; micro : micro-entrepreneur en franchise '
                           'de TVA')
    demo.set_defaults(run=run_demo)


async def run_verify(config, _args) -> int:
    reports = await verify_integrity(config.secret)
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
    return 0 if all(report.ok for report in reports) else 1


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
