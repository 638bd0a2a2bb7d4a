"""The running instance's configuration, set once by main.py before any page is served."""
from logic.config import Config

_config: Config | None = None


def set_config(config: Config) -> None:
    global _config  # noqa: PLW0603 - one configuration per process
    _config = config


def config() -> Config:
    if _config is None:
        raise RuntimeError('Facturier is not configured: main.py sets the configuration at startup.')
    return _config
