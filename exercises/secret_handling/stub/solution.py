"""Settings from environment variables, with secrets that never show up in any rendering."""

from collections.abc import Mapping
from typing import Any


class SettingsError(ValueError):
    """Missing or invalid settings. ``variables`` names them; no value is ever included."""

    variables: tuple[str, ...]


class Settings:
    """The application's configuration (make it a dataclass, a pydantic model, ...).

    Attributes: ``database_url`` (secret), ``aws_access_key_id`` (str),
    ``aws_secret_access_key`` (secret), ``api_token`` (secret or None), ``aws_region`` (str).
    A secret has ``get_secret_value()``; its ``str()`` is ``"**********"``.
    """

    database_url: Any
    aws_access_key_id: str
    aws_secret_access_key: Any
    api_token: Any
    aws_region: str


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Read the settings from ``environ``; raise ``SettingsError`` naming every missing or
    invalid variable (never a value). Logs an INFO record on the ``"settings"`` logger."""
    raise NotImplementedError


def dump_settings(settings: Settings) -> str:
    """The settings as a JSON object keyed by attribute name, secrets as ``"**********"``."""
    raise NotImplementedError
