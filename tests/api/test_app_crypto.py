"""SM3 and SM4 against the standards' test vectors, and sealed fields at rest."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.services.crypto import (
    OPENSSL_SM3,
    CryptoError,
    FieldCipher,
    Sm4BlockCipher,
    gmssl_sm3_hex,
    hmac_sm3,
    rfc2104_hmac_sm3,
    sm3_hex,
)
from api.services.storage import UserRow
from scoring.db import InspectionRecord
from tests.api import test_app_support as support
from tests.api.test_app_support import Env, batch, record

# the shared fixtures, registered in this module
env = support.env
graph = support.graph
kb = support.kb

KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")


def test_sm3_vectors_of_gbt_32905() -> None:
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_openssl_and_gmssl_agree_on_sm3_and_hmac_sm3() -> None:
    for data in (b"", b"abc", b"abcd" * 16, "安全生产法第二十八条".encode() * 40):
        assert gmssl_sm3_hex(data) == sm3_hex(data)
        for key in (b"k", b"x" * 64, b"y" * 100):
            assert rfc2104_hmac_sm3(key, data) == hmac_sm3(key, data)
    assert gmssl_sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    if not OPENSSL_SM3:
        pytest.skip("the linked OpenSSL has no SM3: only the gmssl path was checked")


def test_sm4_vector_of_gbt_32907() -> None:
    assert Sm4BlockCipher(KEY).encrypt_block(KEY).hex() == "681edf34d206965e86b3e94f536e4246"


def test_hmac_sm3_depends_on_key_and_message() -> None:
    tags = {hmac_sm3(k, m) for k in (b"k1", b"k2", b"x" * 100) for m in (b"a", b"b")}
    assert len(tags) == 6 and all(len(t) == 32 for t in tags)


@pytest.mark.parametrize("text", ["张三", "13800000000", "现场检查：灭火器压力不足，已更换。" * 20, "a"])
def test_seal_round_trip_is_deterministic_and_hides_the_text(text: str) -> None:
    cipher = FieldCipher(KEY)
    sealed = cipher.seal(text)
    assert sealed.startswith("sm4:") and text not in sealed
    assert cipher.seal(text) == sealed  # deterministic: retried records stay duplicates
    assert cipher.open(sealed) == text
    assert cipher.seal(sealed) == sealed and cipher.seal("") == ""


def test_tampered_or_foreign_ciphertext_is_refused() -> None:
    cipher = FieldCipher(KEY)
    sealed = cipher.seal("李四 13900000000")
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    with pytest.raises(CryptoError, match="integrity"):
        cipher.open(flipped)
    with pytest.raises(CryptoError, match="integrity"):
        FieldCipher(bytes(16)).open(sealed)


def test_sensitive_fields_are_sealed_at_rest_and_open_for_readers(env: Env) -> None:
    client = env.client()
    rec = record(1, note="王五发现配电箱门未锁", evidence=["photo:a.jpg"])
    result = client.post("/records/batch", json=batch("b1", [rec]), headers=env.auth("inspector")).json()
    record_id = result["results"][0]["record_id"]
    with Session(env.engine) as session:
        row = session.get(InspectionRecord, record_id)
        assert row is not None and row.note.startswith("sm4:") and "王五" not in row.note
        assert "photo:a.jpg" not in row.evidence
        user = session.execute(select(UserRow).where(UserRow.username == "e1-admin")).scalar_one()
        assert user.full_name.startswith("sm4:") and user.phone.startswith("sm4:")
    shown = client.get(f"/records/{record_id}", headers=env.auth("manager")).json()
    assert shown["note"] == "王五发现配电箱门未锁" and shown["evidence"] == ["photo:a.jpg"]
    users = client.get("/users", headers=env.auth("admin")).json()
    assert {"admin用户", "viewer用户"} <= {u["full_name"] for u in users}
