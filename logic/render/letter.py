"""The dunning letter (PA6): one page per client and level, as a PDF for the post or as the text of an e-mail.

`data` is plain (strings, lists), made by db/dunning.py `letter_data`, so that `render_letter_pdf` runs in a worker
process (run.cpu_bound). User text (names, the level's text) reaches the HTML only through autoescaped `{{ }}`.
"""
from functools import lru_cache

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from logic.render.fetcher import RestrictedFetcher, file_url
from logic.render.html import ASSETS_DIR, FONTS_DIR
from logic.render.style import FONTS, TemplateStyle

COLUMNS = ('Facture', 'Échéance', 'Retard', 'Reste dû', 'Pénalités', 'Indemnité')

TEMPLATE = '''<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
@font-face { font-family: Letter; src: url("{{ font }}"); }
@font-face { font-family: Letter; font-weight: bold; src: url("{{ font_bold }}"); }
@page { size: A4; margin: 18mm 18mm 20mm 20mm; }
html { font-family: Letter; font-size: 10pt; color: #1a1a1a; line-height: 1.35; }
.seller { width: 90mm; }
.seller b { font-size: 11pt; }
.recipient { margin: 12mm 0 10mm 95mm; min-height: 25mm; }
.meta { margin-bottom: 6mm; }
h1 { font-size: 13pt; margin: 0 0 2mm 0; color: {{ primary }}; }
.seller b { color: {{ primary }}; }
.registered { font-weight: bold; text-transform: uppercase; font-size: 9pt; margin-bottom: 3mm; }
.text { white-space: pre-line; margin: 5mm 0; }
table { width: 100%; border-collapse: collapse; margin: 4mm 0; font-size: 9pt; }
th { text-align: left; border-bottom: 1px solid #333; padding: 1mm; }
td { padding: 1mm; border-bottom: 1px solid #ddd; }
.num { text-align: right; white-space: nowrap; }
tfoot td { font-weight: bold; border-bottom: none; }
.note { font-size: 8.5pt; color: #444; margin-top: 4mm; }
.page { page-break-after: always; }
.page:last-child { page-break-after: auto; }
</style></head><body>
{% for letter in letters %}
<div class="page">
<div class="seller"><b>{{ letter.seller.name }}</b>{% for part in letter.seller.lines %}<br>{{ part }}{% endfor %}</div>
<div class="recipient">{{ letter.client.name }}{% for part in letter.client.lines %}<br>{{ part }}{% endfor %}</div>
<div class="meta">Le {{ letter.date }}</div>
{% if letter.level == 3 %}<div class="registered">Lettre recommandée avec accusé de réception</div>{% endif %}
<h1>{{ letter.title }}</h1>
<div><b>Objet :</b> {{ letter.subject }}</div>
<div class="text">{{ letter.text }}</div>
<table>
<thead><tr>{% for column in (columns if letter.business else columns[:4]) %}<th{% if not loop.first %} class="num"{% endif %}>{{ column }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in letter.rows %}<tr>{% for cell in (row if letter.business else row[:4]) %}<td{% if not loop.first %} class="num"{% endif %}>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</tbody>
<tfoot><tr><td colspan="{{ 5 if letter.business else 3 }}">Total dû</td><td class="num">{{ letter.total }}</td></tr></tfoot>
</table>
{% if letter.note %}<div class="note">{{ letter.note }}</div>{% endif %}
</div>
{% endfor %}
</body></html>
'''


def render_letters_pdf(letters: list[dict]) -> bytes:
    """Worker entry point: one PDF of the letters (a page or more each)."""
    from weasyprint import HTML  # noqa: PLC0415 - loaded in the worker

    from logic.render.pdf import font_config  # noqa: PLC0415

    html = letters_html(letters)  # the font and colour of the first letter's template
    fetcher = RestrictedFetcher([ASSETS_DIR])
    return HTML(string=html, base_url=file_url(ASSETS_DIR) + '/', url_fetcher=fetcher).write_pdf(
        font_config=font_config())


def letters_html(letters: list[dict]) -> str:
    title = letters[0]['title'] if len(letters) == 1 else f'Relances ({len(letters)} lettres)'
    style = TemplateStyle(**{key: value for key, value in {
        'font': letters[0].get('style', {}).get('font'),
        'primary_color': letters[0].get('style', {}).get('primary')}.items() if value})  # checked values only
    files = FONTS[style.font][2]
    return _template().render(letters=letters, columns=COLUMNS, title=title, primary=Markup(style.primary_color),
                              font=file_url(FONTS_DIR / files['regular']),
                              font_bold=file_url(FONTS_DIR / files['bold']))


def letter_mail_text(letter: dict) -> str:
    """The e-mail body: the level's text, the lines as plain text, and the penalties note.

    >>> print(letter_mail_text({'text': 'Bonjour.', 'rows': [['F1', '01/02/2026', '20 j', '10 €', '0 €', '0 €']],
    ...                         'total': '10 €', 'note': ''}))
    Bonjour.
    <BLANKLINE>
    - F1, échéance du 01/02/2026 (20 j de retard) : reste dû 10 €, pénalités 0 €, indemnité 0 €
    Total dû : 10 €
    """
    lines = [letter['text'], '']
    for number, due, late, left, penalties, indemnity in letter['rows']:
        extra = f', pénalités {penalties}, indemnité {indemnity}' if letter.get('business', True) else ''
        lines.append(f'- {number}, échéance du {due} ({late} de retard) : reste dû {left}{extra}')
    lines.append(f'Total dû : {letter["total"]}')
    if letter['note']:
        lines += ['', letter['note']]
    return '\n'.join(lines)


@lru_cache(maxsize=1)
def _template():
    return Environment(autoescape=True, undefined=StrictUndefined).from_string(TEMPLATE)
