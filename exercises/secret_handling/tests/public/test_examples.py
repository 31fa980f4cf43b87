"""Example tests for the secret_handling exercise (the graded suite is more thorough)."""

import json

import pytest
from solution import SettingsError, dump_settings, load_settings

ENV = {
    "DATABASE_URL": "postgresql://app:Pa55-w0rd@db.internal:5432/app",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


def test_settings_load_and_hide_their_secrets() -> None:
    settings = load_settings(ENV)
    assert settings.aws_region == "eu-west-1"
    assert settings.api_token is None
    assert settings.database_url.get_secret_value() == ENV["DATABASE_URL"]
    assert str(settings.aws_secret_access_key) == "**********"
    assert "Pa55-w0rd" not in repr(settings)
    assert "AKIAIOSFODNN7EXAMPLE" in repr(settings)


def test_dump_masks_secrets() -> None:
    assert json.loads(dump_settings(load_settings(ENV))) == {
        "database_url": "**********",
        "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key": "**********",
        "api_token": None,
        "aws_region": "eu-west-1",
    }


def test_errors_name_the_variables_but_not_the_values() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**ENV, "DATABASE_URL": "", "AWS_SECRET_ACCESS_KEY": "not-a-valid-key"})
    assert sorted(caught.value.variables) == ["AWS_SECRET_ACCESS_KEY", "DATABASE_URL"]
    assert "AWS_SECRET_ACCESS_KEY" in str(caught.value)
    assert "not-a-valid-key" not in str(caught.value)
