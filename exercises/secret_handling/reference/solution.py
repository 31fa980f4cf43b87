"""Settings from environment variables, with secrets that never show up in any rendering."""

import logging
import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

logger = logging.getLogger("settings")

VARIABLES = (
    "DATABASE_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "API_TOKEN",
    "AWS_REGION",
)
SECRET_KEY = re.compile(r"[A-Za-z0-9/+]{40}")
# DOTALL: any character after the scheme counts, a newline included (values are not stripped).
POSTGRES_URL = re.compile(r"postgresql://.+", re.DOTALL)


class SettingsError(ValueError):
    """Missing or invalid settings. ``variables`` names them; no value is ever included."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.variables = tuple(problems)
        super().__init__(
            "invalid settings: " + "; ".join(f"{name}: {why}" for name, why in problems.items())
        )


class Settings(BaseModel):
    """The application's configuration. Secret fields are ``SecretStr``: their ``str``,
    ``repr`` and JSON form is ``**********``; only ``get_secret_value()`` reveals them."""

    # hide_input_in_errors: a ValidationError's text would otherwise quote the input,
    # secret or not. frozen: settings are read-only once loaded.
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    database_url: SecretStr = Field(validation_alias="DATABASE_URL")
    aws_access_key_id: str = Field(
        validation_alias="AWS_ACCESS_KEY_ID", pattern=r"^[A-Z0-9]{16,128}$"
    )
    aws_secret_access_key: SecretStr = Field(validation_alias="AWS_SECRET_ACCESS_KEY")
    api_token: SecretStr | None = Field(default=None, validation_alias="API_TOKEN")
    aws_region: str = Field(
        default="eu-west-1", validation_alias="AWS_REGION", pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$"
    )

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr) -> SecretStr:
        if not POSTGRES_URL.fullmatch(value.get_secret_value()):
            raise ValueError("must be a postgresql:// URL")  # what is wrong, not what was given
        return value

    @field_validator("aws_secret_access_key")
    @classmethod
    def _secret_key_shape(cls, value: SecretStr) -> SecretStr:
        if not SECRET_KEY.fullmatch(value.get_secret_value()):
            raise ValueError("must be 40 characters of A-Z, a-z, 0-9, / or +")
        return value


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Read the settings from ``environ`` (e.g. ``os.environ``); raise ``SettingsError``
    naming every missing or invalid variable. Empty values count as absent."""
    present = {name: environ[name] for name in VARIABLES if environ.get(name)}  # "" is absent
    try:
        settings = Settings.model_validate(present)
    except ValidationError as error:
        # Each problem's variable and message ("Field required", "String should match
        # pattern ..."), never its input.
        problems = {str(problem["loc"][0]): problem["msg"] for problem in error.errors()}
        # from None: the ValidationError must not ride along as __context__ in tracebacks.
        raise SettingsError(problems) from None
    logger.info("settings loaded: %r", settings)  # safe: the repr masks every secret
    return settings


def dump_settings(settings: Settings) -> str:
    """The settings as a JSON object keyed by field name, secrets as ``"**********"``."""
    return settings.model_dump_json()
