"""The accountant's exports as jobs (issue 17): the FEC and its CSV of a period, written by a job worker process,
never by the web process (100,000 invoices: about 30 s of CPU, the checker included).

Parameters: {'format': 'fec' | 'csv', 'from': ISO day, 'to': ISO day} (pages/accounting.py: `export_params`).
The checker runs on every export (db/fec.py): a refused file is deleted, and the job fails with the checker's
findings in French; an accepted one is audited (AC2) and waits in its owner's downloads.
"""
from datetime import date

from db import fec, jobs
from db.jobs import JobContext, Result
from logic.errors import DomainError

EXPORT_FEC = 'export.fec'
FORMATS = {'fec': 'FEC', 'csv': 'CSV'}
SHOWN_PROBLEMS = 5


def export_params(kind: str, first: date, last: date) -> dict:
    return {'format': kind, 'from': first.isoformat(), 'to': last.isoformat()}


async def export_fec(ctx: JobContext) -> Result:
    kind = ctx.params['format']
    if kind not in FORMATS:
        raise DomainError(f'Format d’export inconnu : {kind}.')
    first, last = date.fromisoformat(ctx.params['from']), date.fromisoformat(ctx.params['to'])
    write = fec.write_fec if kind == 'fec' else fec.write_csv
    path = ctx.result_path('.txt' if kind == 'fec' else '.csv')
    try:
        with path.open('wb') as out:  # written batch by batch, in the job worker
            summary = await write(first, last, out, progress=ctx.advance)
    except fec.FecRefused as exc:
        path.unlink(missing_ok=True)
        problems = exc.report.problems if exc.report else []
        shown = ' ; '.join(problems[:SHOWN_PROBLEMS]) + (' ; …' if len(problems) > SHOWN_PROBLEMS else '')
        raise DomainError(f'Le contrôle a refusé le fichier, aucun fichier n’est proposé : {shown}' if problems
                          else str(exc)) from None
    await fec.record_export(ctx.actor, kind, summary)
    name = fec.fec_filename(summary.siren, last) if kind == 'fec' else fec.csv_filename(summary.siren, first, last)
    return Result(file=path, name=name,
                  message=f'{summary.report.summary()} {summary.documents} pièces de vente, {summary.payments} '
                          f'règlements, {summary.slips} remises de chèques.')


jobs.register(EXPORT_FEC, export_fec)
