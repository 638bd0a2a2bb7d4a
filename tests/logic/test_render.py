"""Printed documents: legal mentions per document type and client kind, amounts from the snapshot, safe rendering."""
import asyncio
import io
import re
from concurrent.futures import ThreadPoolExecutor, wait

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from logic.money import format_eur
from logic.render.batch import AHEAD, batch_pdf
from logic.render.context import price_text
from logic.render.fetcher import ResourceRefused, RestrictedFetcher, file_url
from logic.render.html import ASSETS_DIR
from logic.render.mail_text import DEFAULT_SUBJECT, attachment_name, fill, values_of
from logic.render.pdf import RENDER_LOCK, make_job, render_pdf
from logic.render.store import AlreadyStored, load_pdf, store_pdf
from logic.render.style import StyleError, TemplateStyle
from tests import samples

CLASSIQUE = TemplateStyle()
MODERNE = TemplateStyle(layout='moderne', font='open-sans', primary_color='#0b5394', accent_color='#e69138')


def pages_text(pdf: bytes) -> list[str]:
    return [' '.join(page.extract_text().replace('\u202f', ' ').replace('\xa0', ' ').split())
            for page in PdfReader(io.BytesIO(pdf)).pages]


def text_of(pdf: bytes) -> str:
    return ' '.join(pages_text(pdf))


def plain(value) -> str:
    return format_eur(value).replace('\u202f', ' ').replace('\xa0', ' ')


@pytest.mark.parametrize('style', [CLASSIQUE, MODERNE], ids=['classique', 'moderne'])
def test_an_invoice_shows_every_amount_of_its_snapshot_and_the_vat_per_rate(style):
    snapshot = samples.invoice_three_rates()
    text = text_of(render_pdf(make_job(snapshot, style)))
    for amount in (snapshot.lines_total, -snapshot.allowance_total, snapshot.charge_total, snapshot.total_ht,
                   snapshot.total_vat, snapshot.total_ttc):
        assert plain(amount) in text
    for vat in snapshot.vat_lines:
        assert plain(vat.base) in text and plain(vat.vat) in text
    assert '5,5 %' in text and '10 %' in text and '20 %' in text
    assert 'FACTURE' in text.upper() and 'F2026-00042' in text and 'Page 1/1' in text


def test_a_business_invoice_carries_the_commercial_mentions_and_both_sirens():
    snapshot = samples.invoice_three_rates()
    text = text_of(render_pdf(make_job(snapshot, CLASSIQUE)))
    for mention in ('Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €',
                    'Tout retard de paiement engendre une pénalité', 'ne donneront pas lieu à escompte',
                    'SIREN 732 829 320', 'SIREN 552 081 317', 'FR44732829320', 'SARL au capital de 10 000 €',
                    'RCS Lyon', 'Échéance 28/12/2026', 'Nature des opérations', 'BC-7781', 'IBAN FR76 3000'):
        assert ' '.join(mention.split()) in text, mention


def test_an_invoice_to_a_private_client_has_no_business_penalties_but_the_conformity_guarantee():
    text = text_of(render_pdf(make_job(samples.b2c_invoice(), CLASSIQUE)))
    assert '40 €' not in text and 'escompte' not in text
    assert 'garantie légale de conformité' in text


def test_a_credit_note_cites_the_invoice_it_corrects():
    text = text_of(render_pdf(make_job(samples.credit_note(), MODERNE)))
    assert 'AVOIR' in text.upper() and 'AV2026-00003' in text
    assert 'Avoir sur la facture n° F2026-00042 du 28/11/2026' in text


def test_a_draft_is_watermarked_and_a_final_document_is_not():
    draft = text_of(render_pdf(make_job(samples.quote(), CLASSIQUE, draft=True)))
    final = text_of(render_pdf(make_job(samples.quote(), CLASSIQUE, draft=False)))
    assert 'BROUILLON' in draft and 'BROUILLON' not in final
    assert 'Devis valable jusqu’au 28/12/2026' in final and 'Bon pour accord' in final


def test_long_documents_number_their_pages_and_repeat_the_table_header():
    texts = pages_text(render_pdf(make_job(samples.long_invoice(60), MODERNE)))
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert f'Page {number}/{len(texts)}' in text
        if 'REF-' in text:  # every page holding lines starts with the table header
            assert 'DÉSIGNATION' in text.upper()
    assert sum('REF-' in text for text in texts) >= 2


def test_user_text_is_printed_as_text_not_markup():
    text = text_of(render_pdf(make_job(samples.invoice_three_rates(), CLASSIQUE)))
    assert '<b>inclus</b> & nettoyage' in text.replace('- ', '')


def test_template_colours_and_fonts_cannot_carry_css():
    with pytest.raises(StyleError):
        TemplateStyle(primary_color='red; } body { display: none')
    with pytest.raises(StyleError):
        TemplateStyle(font='Arial"; src: url(http://example.org/x)')
    with pytest.raises(StyleError):
        TemplateStyle(logo='../instance-secret.key')


def test_the_renderer_only_reads_the_assets_and_the_uploads_folder(tmp_path):
    uploads = tmp_path / 'uploads'
    uploads.mkdir()
    (tmp_path / 'instance-secret.key').write_text('secret')
    (uploads / 'logo.png').write_bytes(b'png')
    fetcher = RestrictedFetcher([ASSETS_DIR, uploads])
    assert fetcher.fetch(file_url(uploads / 'logo.png')).read() == b'png'
    assert fetcher.fetch(file_url(ASSETS_DIR / 'templates' / 'base.css')).read()
    for url in (file_url(tmp_path / 'instance-secret.key'), file_url(uploads) + '/../instance-secret.key',
                'http://169.254.169.254/latest/meta-data', 'https://example.org/x.css', 'data:text/css,body{}',
                'file:///etc/passwd'):
        with pytest.raises(ResourceRefused):
            fetcher.fetch(url)


def test_the_logo_from_the_uploads_folder_is_printed(tmp_path):
    buffer = io.BytesIO()
    Image.new('RGB', (120, 40), (200, 30, 30)).save(buffer, 'PNG')
    (tmp_path / 'logo-x.png').write_bytes(buffer.getvalue())
    pdf = render_pdf(make_job(samples.quote(), TemplateStyle(logo='logo-x.png'), uploads_dir=tmp_path))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    images = [x.get_object() for x in page['/Resources'].get('/XObject', {}).values()]
    assert any(image.get('/Subtype') == '/Image' and image.get('/Interpolate') in (None, False) for image in images)


def test_unit_prices_keep_their_decimals():
    from decimal import Decimal
    assert price_text(Decimal('22.900000')) == '22,90\xa0€'
    assert price_text(Decimal('10.005')) == '10,005\xa0€'


def test_a_stored_pdf_is_written_once(tmp_path):
    pdf = b'%PDF-1.7 test'
    store_pdf(tmp_path, 7, pdf)
    assert load_pdf(tmp_path, 7) == pdf
    with pytest.raises(AlreadyStored):
        store_pdf(tmp_path, 7, b'%PDF-1.7 other')
    assert load_pdf(tmp_path, 7) == pdf and load_pdf(tmp_path, 8) is None
    assert not [p for p in (tmp_path / 'documents').iterdir() if p.name.startswith('.tmp')]


def test_batch_printing_merges_rendered_and_stored_documents(tmp_path):
    stored = render_pdf(make_job(samples.credit_note(), CLASSIQUE))
    progress = []
    items = (item for item in [samples.quote(), (samples.b2c_invoice(), MODERNE), stored])
    count = asyncio.run(batch_pdf(items, tmp_path / 'lot.pdf', progress.append, style=CLASSIQUE))
    assert count == 3 and progress == [1, 2, 3]
    text = text_of((tmp_path / 'lot.pdf').read_bytes())
    assert 'D2026-00012' in text and 'F2026-00043' in text and 'AV2026-00003' in text


def test_batch_printing_keeps_the_order_when_renders_overlap_and_finish_out_of_order(tmp_path):
    """Several renders run at once (logic.render.batch.AHEAD): the slow first one still comes first in the file."""
    from pypdf import PdfWriter  # noqa: PLC0415

    def blank(width: int) -> bytes:
        writer, out = PdfWriter(), io.BytesIO()
        writer.add_blank_page(width=width, height=100)
        writer.write(out)
        return out.getvalue()

    calls, running, most = [], [0], [0]

    async def run(_function, _job):
        index = len(calls)
        calls.append(index)
        running[0] += 1
        most[0] = max(most[0], running[0])
        await asyncio.sleep(0.05 if index % 2 == 0 else 0)  # every other render is the slow one
        running[0] -= 1
        return blank(100 + index)

    stored = blank(50)
    items = [samples.quote(), samples.quote(), stored, samples.quote(), samples.quote(), samples.quote()]
    count = asyncio.run(batch_pdf(items, tmp_path / 'lot.pdf', run=run))
    widths = [int(page.mediabox.width) for page in PdfReader(tmp_path / 'lot.pdf').pages]
    assert count == 6 and widths == [100, 101, 50, 102, 103, 104]
    assert most[0] == AHEAD


def test_batch_printing_starts_awaited_documents_a_few_at_a_time_and_keeps_their_order(tmp_path):
    """Documents the caller loads and renders itself (db/publishing.batch_print): at most AHEAD at once, each one
    started only when its turn comes, the file in the order given even when a later one finishes first."""
    started, running, most = [], [0], [0]

    async def document(index: int) -> bytes:
        started.append(index)
        running[0] += 1
        most[0] = max(most[0], running[0])
        await asyncio.sleep(0.03 if index % 3 == 0 else 0.001)
        running[0] -= 1
        writer, out = PdfWriter(), io.BytesIO()
        writer.add_blank_page(width=100 + index, height=100)
        writer.write(out)
        return out.getvalue()

    made = []

    def documents():
        for index in range(8):
            made.append(index)
            assert len(made) - len(progress) <= AHEAD  # a document is not even created before its turn
            yield document(index)

    progress = []
    count = asyncio.run(batch_pdf(documents(), tmp_path / 'lot.pdf', progress.append))
    widths = [int(page.mediabox.width) for page in PdfReader(tmp_path / 'lot.pdf').pages]
    assert count == 8 and widths == [100 + index for index in range(8)] and progress == list(range(1, 9))
    assert most[0] == AHEAD and sorted(started) == list(range(8))


def test_renders_in_threads_of_one_process_take_turns():
    """WeasyPrint is not thread-safe: a render started in a thread (a grouped printing run by a script) waits while
    another render of the process holds the renderer."""
    job = make_job(samples.quote(), CLASSIQUE)
    render_pdf(job)  # warm: alone, the render in the thread would be over well within the second waited below
    with ThreadPoolExecutor(max_workers=1) as threads:
        with RENDER_LOCK:
            waiting = threads.submit(render_pdf, job)
            done, _ = wait([waiting], timeout=1.0)
            assert not done
        assert waiting.result(timeout=60).startswith(b'%PDF')


def test_mail_placeholders_are_filled_and_unknown_ones_left_alone():
    snapshot = samples.invoice_three_rates()
    assert fill(DEFAULT_SUBJECT, values_of(snapshot)) == 'Facture F2026-00042 — Atelier Durand'
    assert fill('{montant} {inconnu} {numero.__class__}', values_of(snapshot)) == \
        f'{format_eur(snapshot.total_ttc)} {{inconnu}} {{numero.__class__}}'
    assert attachment_name(snapshot) == 'Facture_F2026-00042.pdf'
    assert re.fullmatch(r'[A-Za-z0-9_-]+\.pdf', attachment_name(samples.deposit_invoice()))


def render_in_worker(job: dict) -> tuple[bool, int]:
    """Runs in a spawned worker: (a PDF came out, the worker's niceness)."""
    import os  # noqa: PLC0415

    return render_pdf(job).startswith(b'%PDF'), os.nice(0)


def test_pdf_workers_yield_the_cpu_to_the_app_but_a_render_in_the_app_process_does_not():
    import multiprocessing  # noqa: PLC0415
    import os  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    from logic.render.pdf import WORKER_NICENESS  # noqa: PLC0415

    before = os.nice(0)
    job = make_job(samples.b2c_invoice(), TemplateStyle())
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context('spawn')) as pool:
        made, niceness = pool.submit(render_in_worker, job).result(timeout=120)
    assert made and niceness == min(before + WORKER_NICENESS, 19)
    assert render_pdf(job).startswith(b'%PDF') and os.nice(0) == before  # here: the app process keeps its priority


def test_the_payment_block_says_the_method_and_its_terms_once():
    from dataclasses import replace

    from logic.render.context import build_context

    snapshot = replace(samples.invoice_three_rates(), payment_method='Virement à 30 jours', payment_terms='30 jours')
    assert build_context(snapshot, CLASSIQUE)['doc']['payment'] == ['Virement à 30 jours']
    text = text_of(render_pdf(make_job(snapshot, CLASSIQUE)))
    assert 'Règlement Virement à 30 jours' in text and 'Virement à 30 jours 30 jours' not in text
    cheque = replace(snapshot, payment_method='Chèque', payment_terms='45 jours fin de mois')
    assert build_context(cheque, CLASSIQUE)['doc']['payment'] == ['Chèque', '45 jours fin de mois']
