import json
from datetime import date
from decimal import Decimal

import pytest

from logic.snapshot import DocumentSnapshot, Party, Reference, SnapshotLine, VatLine


def example() -> DocumentSnapshot:
    return DocumentSnapshot(
        doc_type='credit_note', number='AV2026-00001', issue_date=date(2026, 11, 28),
        seller=Party(name='Atelier Durand', siren='732829320'), buyer=Party(name='Client SA', category='fr_business'),
        lines=(SnapshotLine(designation='Béton', quantity=Decimal('-1.5'), unit_price=Decimal('160.000000'),
                            vat_rate=Decimal('20.00'), net=Decimal('-240.00')),
               SnapshotLine(kind='title', designation='Lot 2')),
        vat_lines=(VatLine(category='S', rate=Decimal('20.00'), base=Decimal('-240.00'), vat=Decimal('-48.00')),),
        lines_total=Decimal('-240.00'), allowance_total=Decimal('0.00'), charge_total=Decimal('0.00'),
        total_ht=Decimal('-240.00'), total_vat=Decimal('-48.00'), total_ttc=Decimal('-288.00'),
        amount_due=Decimal('-288.00'), due_date=None,
        references=(Reference(number='F2026-00012', issue_date=date(2026, 11, 2)),),
    )


def test_a_snapshot_survives_a_json_round_trip_exactly():
    snapshot = example()
    again = DocumentSnapshot.from_dict(json.loads(json.dumps(snapshot.to_dict())))
    assert again == snapshot
    assert again.lines[0].unit_price == Decimal('160.000000') and str(again.lines[0].unit_price) == '160.000000'
    assert again.references[0].issue_date == date(2026, 11, 2)


def test_a_snapshot_refuses_floats():
    snapshot = example()
    with pytest.raises(TypeError):
        DocumentSnapshot(**{**{f: getattr(snapshot, f) for f in snapshot.__dataclass_fields__},
                            'extra': {'x': 1.5}}).to_dict()


def test_the_buyer_kind_decides_business_mentions():
    assert example().is_b2b
    assert not Party(name='M. Martin', category='individual').is_business
