"""Settings refuse placeholder secrets outside development: the token secret, the SM4 key and the audit key."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from api.settings import Settings
from kg.errors import ConfigError

PRODUCTION = {
    "HSEKG_ENVIRONMENT": "production",
    "HSEKG_SECRET_KEY": "a-real-token-signing-secret",
    "HSEKG_SM4_KEY": "0123456789abcdef0123456789abcdef",
    "HSEKG_AUDIT_KEY": "a-real-audit-key-of-thirty-two-chars-or-more",
}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.chdir("/")  # no .env of the checkout
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_production_settings_with_real_secrets_load(production: pytest.MonkeyPatch) -> None:
    settings = Settings.load()
    assert settings.audit_key.get_secret_value() == PRODUCTION["HSEKG_AUDIT_KEY"]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "HSEKG_AUDIT_KEY must be set"),
        ("change-me", "HSEKG_AUDIT_KEY must be set"),
        ("short-audit-key", "HSEKG_AUDIT_KEY must be set"),
        (PRODUCTION["HSEKG_SECRET_KEY"] + "-padded-to-thirty-two", "must differ from HSEKG_SECRET_KEY"),
    ],
    ids=["missing", "placeholder", "short", "same-as-secret"],
)
def test_production_refuses_a_missing_weak_or_shared_audit_key(
    production: pytest.MonkeyPatch, value: str, says: str
) -> None:
    production.setenv("HSEKG_AUDIT_KEY", value)
    if "differ" in says:
        production.setenv("HSEKG_SECRET_KEY", value)
    with pytest.raises(ConfigError, match=says):
        Settings.load()


def test_development_derives_a_stable_audit_key_from_the_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from api.container import audit_key

    monkeypatch.chdir("/")
    one = Settings.model_validate({"environment": "development", "secret_key": "dev-secret-one-0123456789"})
    other = one.model_copy(update={"secret_key": SecretStr("dev-secret-two-0123456789")})
    assert audit_key(one) == audit_key(one) and audit_key(one) != audit_key(other)
    configured = one.model_copy(update={"audit_key": SecretStr("k" * 32)})
    assert audit_key(configured) == b"k" * 32
