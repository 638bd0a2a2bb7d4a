"""Config for `tortoise makemigrations` (developers only): python -m tortoise -c db.migrations_config.TORTOISE_ORM."""
from db.engine import tortoise_config

TORTOISE_ORM = tortoise_config('sqlite:///tmp/facturier-makemigrations.sqlite3')
