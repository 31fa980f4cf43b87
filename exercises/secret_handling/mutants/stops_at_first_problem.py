"""MUTANT: load_settings raises on the first missing or invalid variable, so SettingsError names only one of several problems."""

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

log = logging.getLogger("settings")


class Secret:
    """Holds a secret string; every rendering is masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "**********"

    def __repr__(self) -> str:
        return "Secret('**********')"


class SettingsError(Exception):
    def __init__(self, problems: dict[str, str]) -> None:
        self.variables = tuple(problems)
        super().__init__(", ".join(f"{k} is {v}" for k, v in problems.items()))


@dataclass(frozen=True)
class Settings:
    database_url: Secret
    aws_access_key_id: str
    aws_secret_access_key: Secret
    api_token: Secret | None
    aws_region: str


RULES: dict[str, tuple[bool, str]] = {
    # name: (required, regex)
    "DATABASE_URL": (True, r"postgresql://.+"),
    "AWS_ACCESS_KEY_ID": (True, r"[A-Z0-9]{16,128}"),
    "AWS_SECRET_ACCESS_KEY": (True, r"[A-Za-z0-9/+]{40}"),
    "API_TOKEN": (False, r".+"),
    "AWS_REGION": (False, r"[a-z]{2}(?:-[a-z]+)+-[0-9]"),
}


def load_settings(environ: Mapping[str, str]) -> Settings:
    values: dict[str, str | None] = {}
    problems: dict[str, str] = {}
    for name, (required, pattern) in RULES.items():
        raw = environ.get(name) or None
        if raw is None:
            if required:
                raise SettingsError({name: "missing"})
            values[name] = None
        elif re.fullmatch(pattern, raw, flags=re.DOTALL) is None:
            raise SettingsError({name: "invalid"})
        else:
            values[name] = raw
    if problems:
        raise SettingsError(problems)
    token = values["API_TOKEN"]
    settings = Settings(
        database_url=Secret(values["DATABASE_URL"] or ""),
        aws_access_key_id=values["AWS_ACCESS_KEY_ID"] or "",
        aws_secret_access_key=Secret(values["AWS_SECRET_ACCESS_KEY"] or ""),
        api_token=Secret(token) if token is not None else None,
        aws_region=values["AWS_REGION"] or "eu-west-1",
    )
    log.info("Loaded %s", settings)
    return settings


def dump_settings(settings: Settings) -> str:
    out: dict[str, Any] = {}
    for f in fields(settings):
        v = getattr(settings, f.name)
        out[f.name] = str(v) if isinstance(v, Secret) else v
    return json.dumps(out, indent=2)
