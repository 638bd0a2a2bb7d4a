"""Import and export of contacts and articles from the command line, for migrations and scripts (CO3, CO6, AR2).

    python main.py import contacts clients.csv          # all or nothing; exit code 1 and each problem when refused
    python main.py import articles articles.xlsx --check  # check only, write nothing
    python main.py export contacts -o contacts.xlsx     # every field, as the « Toute la base » export
    python main.py export articles -o articles.xlsx

The columns are mapped from their titles as on the import screen (French or English names, see docs/contacts.md).
"""
import asyncio
from pathlib import Path

from db import article_transfer, contact_transfer
from db.actor import Actor
from logic import article_fields, contact_fields
from logic.errors import DomainError
from logic.importing import format_problems
from logic.tabular import MAX_BYTES, read_table

CLI_ACTOR = Actor(user_id=None, email='ligne de commande', name='Ligne de commande')
BASES = {'contacts': (contact_transfer, 'contacts'), 'articles': (article_transfer, 'articles')}


def add_commands(subparsers) -> None:
    imports = subparsers.add_parser('import', help='importer des contacts ou des articles (CSV ou XLSX), tout ou rien')
    imports.add_argument('base', choices=list(BASES), help='contacts ou articles')
    imports.add_argument('file', type=Path, help='fichier CSV ou XLSX')
    imports.add_argument('--check', action='store_true', help='vérifier seulement, sans rien écrire')
    imports.set_defaults(run=run_import)
    exports = subparsers.add_parser('export', help='exporter tous les contacts ou tous les articles en XLSX')
    exports.add_argument('base', choices=list(BASES), help='contacts ou articles')
    exports.add_argument('-o', '--output', type=Path, required=True, help='fichier XLSX à écrire')
    exports.set_defaults(run=run_export)


async def run_import(_config, args) -> int:
    transfer, what = BASES[args.base]
    path: Path = args.file
    if not path.is_file():
        raise DomainError(f'Fichier introuvable : {path}')
    if path.stat().st_size > MAX_BYTES:
        raise DomainError(f'Le fichier est trop volumineux : {MAX_BYTES // 1024 // 1024} Mo au maximum.')
    # Read in a child process under hard limits (logic.tabular), waited for from a thread.
    table = await asyncio.to_thread(read_table, await asyncio.to_thread(path.read_bytes), path.name)
    preview, mapping, fields = await transfer.preview_import(table)
    labels = {field.key: field.label for field in fields}
    read = [header if labels[key] == header else f'{header} → {labels[key]}'
            for header, key in ((header, mapping.get(index)) for index, header in enumerate(table.headers)) if key]
    ignored = [header for index, header in enumerate(table.headers) if not mapping.get(index)]
    print(f'{len(table.rows)} ligne(s). Colonnes lues : {", ".join(read) or "aucune"}.')
    if ignored:
        print(f'Colonnes ignorées (titres non reconnus) : {", ".join(ignored)}.')
    if not preview.ok:
        for line in format_problems(preview.problems):
            print(line)
        print(f'Rien n’a été importé : {len(preview.problems)} problème(s) à corriger dans le fichier.')
        return 1
    if args.check:
        print(f'Aucun problème : {len(preview.records)} {what} seraient importés (--check : rien n’a été écrit).')
        return 0
    try:
        count = await transfer.commit_import(CLI_ACTOR, preview, filename=path.name)
    except transfer.ImportRefused as refused:
        for line in format_problems(refused.problems):
            print(line)
        print('Rien n’a été importé.')
        return 1
    print(f'{count} {what} importés.')
    return 0


async def run_export(_config, args) -> int:
    output: Path = args.output
    if output.suffix.lower() != '.xlsx':
        raise DomainError('Le fichier d’export doit se terminer par .xlsx.')
    if args.base == 'contacts':
        records, labels, addresses = await contact_transfer.export_data(CLI_ACTOR, None, full=True)
        data = contact_fields.export_workbook(records, labels, full=True, addresses=addresses)
    else:
        records, units, rates, parts = await article_transfer.export_data(CLI_ACTOR, None, full=True)
        data = article_fields.export_workbook(records, units, rates, full=True, components=parts)
    await asyncio.to_thread(output.write_bytes, data)
    print(f'{len(records)} {args.base} exportés dans {output}.')
    return 0
