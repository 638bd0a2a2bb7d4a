"""The accountant's exports and a fiscal year's archive as jobs (issue 17): written by a job worker process, never by
the web process (100,000 invoices: about 30 s of CPU for the FEC, the checker included; an archive hashes, signs
and packs a year of originals, rendering those never stored).

- `export.fec` {'format': 'fec' | 'csv', 'from': ISO day, 'to': ISO day} (pages/accounting.py: `export_params`).
  The checker runs on every export (db/fec.py): a refused file is deleted, and the job fails with the checker's
  findings in French; an accepted one is audited (AC2) and waits in its owner's downloads.
- `archive.year` {'year': the year the fiscal year ends in} (pages/archives.py): the signed archive of a closed
  fiscal year (db/archive.py), in its owner's downloads and kept in `files/archives/` with the others.
"""
import os
import shutil
from datetime import UTC, date, datetime

from db import fec, jobs
from db.jobs import JobContext, Result
from logic.errors import DomainError

EXPORT_FEC = 'export.fec'
ARCHIVE_YEAR = 'archive.year'
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


async def archive_year(ctx: JobContext) -> Result:
    from db.archive import build_archive  # noqa: PLC0415

    year = int(ctx.params['year'])
    name = archive_name(year, datetime.now(UTC))
    path = ctx.result_path('.tar')
    manifest = await build_archive(year, path, config=ctx.config, run=ctx.run, progress=ctx.advance)
    kept = archives_dir(ctx.config) / name
    kept.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(path, kept)  # the same file twice, not a copy (the downloads are purged after a few days)
    except OSError:
        shutil.copyfile(path, kept)
    missing = manifest.get('missing_originals') or []
    return Result(file=path, name=name,
                  message=f'{len(manifest["files"])} fichier(s) archivés'
                          + (f', {len(missing)} original(aux) manquant(s)' if missing else '') + '.')


def archive_name(year: int, moment: datetime) -> str:
    return f'exercice-{year}-{moment:%Y%m%dT%H%M%SZ}.tar'


def archives_dir(config):
    return config.files_dir / 'archives'


jobs.register(EXPORT_FEC, export_fec)
jobs.register(ARCHIVE_YEAR, archive_year)
