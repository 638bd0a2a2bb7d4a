"""Command-line output of documents, plugged into main.py through CLI_MODULES.

    python main.py pdf F2026-00042                 # writes F2026-00042.pdf in the current folder
    python main.py pdf F2026-00042 -o facture.pdf

A validated document gives its stored original (made and stored now if it was missing); a draft or a quote gives a
preview. Rendering happens in this process, in a thread.
"""
import asyncio
from pathlib import Path

from db import publishing
from db.document import Document
from logic.errors import DomainError


def add_commands(subparsers) -> None:
    pdf = subparsers.add_parser('pdf', help='écrire le PDF d’un document (par son numéro)')
    pdf.add_argument('number', help='numéro du document, par exemple F2026-00042')
    pdf.add_argument('-o', '--output', type=Path, default=None, help='fichier PDF à écrire (NUMÉRO.pdf par défaut)')
    pdf.set_defaults(run=run_pdf)


async def in_thread(function, *args):
    return await asyncio.to_thread(function, *args)


async def run_pdf(config, args) -> int:
    from logic.facturx import checker  # noqa: PLC0415

    documents = await Document.filter(number=args.number).order_by('id')
    if not documents:
        raise DomainError(f'Aucun document ne porte le numéro {args.number}.')
    if len(documents) > 1:
        raise DomainError(f'Plusieurs documents portent le numéro {args.number}.')
    output: Path = args.output or Path(f'{args.number}.pdf'.replace('/', '_'))
    if output.exists():
        raise DomainError(f'Le fichier {output} existe déjà.')
    try:
        pdf, _name = await publishing.document_pdf(documents[0].id, config=config, run=in_thread)
    finally:
        checker.shutdown()
    await asyncio.to_thread(output.write_bytes, pdf)
    print(f'{documents[0].type_label} {args.number} : PDF écrit dans {output}.')
    return 0
