"""E-mail subject and body templates with placeholders, filled from a snapshot (DOC4 "Envoyer").

Placeholders are `{name}` among PLACEHOLDERS; anything else stays as typed (no attribute access, no format spec), so
a template can't reach into objects the way `str.format` would let it.

>>> fill('Facture {numero} de {societe}', {'numero': 'F2026-00042', 'societe': 'Atelier Durand'})
'Facture F2026-00042 de Atelier Durand'
"""
import re

from logic.dates import format_date
from logic.money import format_eur
from logic.snapshot import DocumentSnapshot

PLACEHOLDERS = {
    'type': 'type de document (Facture, Devis…)', 'numero': 'numéro du document',
    'client': 'nom du client', 'montant': 'montant TTC', 'date': 'date du document',
    'echeance': 'date d’échéance', 'societe': 'votre société',
}
DEFAULT_SUBJECT = '{type} {numero} — {societe}'
DEFAULT_BODY = ('Bonjour,\n\nVeuillez trouver ci-joint le document « {type} {numero} » du {date}, '
                'd’un montant de {montant} TTC.\n\nNous restons à votre disposition pour toute question.'
                '\n\nCordialement,\n{societe}')
_PLACEHOLDER = re.compile(r'\{([a-z_]+)\}')


def values_of(snapshot: DocumentSnapshot) -> dict[str, str]:
    return {'type': snapshot.title, 'numero': snapshot.number, 'client': snapshot.buyer.name,
            'montant': format_eur(snapshot.total_ttc), 'date': format_date(snapshot.issue_date),
            'echeance': format_date(snapshot.due_date),
            'societe': snapshot.seller.name}


def fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), template or '')


def attachment_name(snapshot: DocumentSnapshot) -> str:
    """'Facture_F2026-00042.pdf': letters, digits, '-', '_' only."""
    stem = re.sub(r'[^A-Za-z0-9_-]+', '_', f'{snapshot.title}_{snapshot.number or "brouillon"}'
                  .encode('ascii', 'ignore').decode() or 'document')
    return f'{stem.strip("_")}.pdf'
