"""Stored originals fingerprinted in the integrity chain (issue 13).

The entries of the series 'original' (db/originals.py) carry the SHA-256 of a document's stored PDF and of the
Factur-X XML inside it; the other series leave both empty. The table stays append-only (migration 0002).
"""
from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('documents', '0012_situations')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ChainEntry',
            name='pdf_sha256',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='ChainEntry',
            name='xml_sha256',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
    ]
