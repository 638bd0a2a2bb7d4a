"""Jinja2 environment of the print templates (assets/templates): autoescaped, strict, loaded from disk once.

User text reaches the HTML only through `{{ }}` expressions, which autoescaping turns into text: a designation like
`<img src=http://…>` prints as those characters. The CSS values of the context (colours, font names) are checked by
TemplateStyle and marked safe here, the only place where that happens.
"""
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

ASSETS_DIR = Path(__file__).resolve().parents[2] / 'assets'
TEMPLATES_DIR = ASSETS_DIR / 'templates'
FONTS_DIR = ASSETS_DIR / 'fonts'


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, auto_reload=False)


def render_html(context: dict) -> str:
    context = {**context, 'css': {key: Markup(value) for key, value in context['css'].items()}}
    return environment().get_template('document.html').render(**context)
