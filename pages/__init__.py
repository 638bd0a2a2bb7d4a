"""One module per screen. `register_all()` (re)imports them so that their routes exist.

NiceGUI's test User fixture runs main.py once per test and clears every route in between, so modules that were
already imported are reloaded to register their pages again.
"""
import importlib
import sys

PAGE_MODULES = [
    'pages.auth_routes',
    'pages.setup',
    'pages.login',
    'pages.home',
    'pages.account',
    'pages.settings_index',
    'pages.settings_company',
    'pages.settings_options',
    'pages.settings_lists',
    'pages.users',
    'pages.audit_log',
    'pages.contacts',
    'pages.contact_detail',
    'pages.articles',
    'pages.article_detail',
    'pages.quotes',
    'pages.invoices',
    'pages.settings_numbering',
    'pages.integrity',
    'pages.settings_templates',
    'pages.settings_mail',
    'pages.document_files',
    'pages.payments',
    'pages.cheques',
    'pages.dunning',
    'pages.settings_dunning',
    'pages.sepa',
    'pages.orders',
    'pages.situations',
    'pages.soon',
    'pages.downloads',
    'pages.closings',
    'pages.archives',
    'pages.accounting',
    'pages.settings_accounting',
]


def register_all() -> None:
    for name in PAGE_MODULES:
        if name in sys.modules:
            importlib.reload(sys.modules[name])
        else:
            importlib.import_module(name)
