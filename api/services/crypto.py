"""SM3 hashing (GB/T 32905-2016) and SM4 field encryption at rest (GB/T 32907-2016).

The primitives come from OpenSSL through :mod:`hashlib` for SM3 where the linked OpenSSL offers it
(about 250 times faster) and from the ``gmssl`` package otherwise and for SM4 (both tested against the
standards' vectors in ``tests/api/test_app_crypto.py``); this module only composes them:

- :func:`sm3_hex` / :func:`hmac_sm3` — hash and HMAC (RFC 2104 over SM3, 64-byte blocks).
- :class:`FieldCipher` — deterministic authenticated encryption of short text fields, SIV style:
  the IV is ``HMAC-SM3(k_mac, plaintext)[:16]`` and the text is encrypted with SM4 in CTR mode under
  ``k_enc``; opening recomputes the IV from the decrypted text, so any change of the stored value is
  detected. Deterministic on purpose: the offline record intake is idempotent on a hash of what the
  client sent, and a retried record must seal to the same bytes. The price is that equal plaintexts
  give equal ciphertexts (equality leaks, contents do not).

Sealed values are text: ``sm4:`` followed by URL-safe base64 of IV ‖ ciphertext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import logging
from typing import Any

from kg.errors import ConfigError, HsekgError

__all__ = [
    "OPENSSL_SM3",
    "SEALED_PREFIX",
    "CryptoError",
    "FieldCipher",
    "Sm4BlockCipher",
    "gmssl_sm3_hex",
    "hmac_sm3",
    "rfc2104_hmac_sm3",
    "sm3_hex",
]

log = logging.getLogger(__name__)

SEALED_PREFIX = "sm4:"
_BLOCK = 16
_SM3_BLOCK = 64

# gmssl ships no type information; it is imported once here and used through typed wrappers.
_gm_sm3: Any = importlib.import_module("gmssl.sm3")
_sm4: Any = importlib.import_module("gmssl.sm4")
_func: Any = importlib.import_module("gmssl.func")


class CryptoError(HsekgError):
    """A sealed value cannot be opened (wrong key, corrupted or tampered ciphertext)."""


#: Whether the linked OpenSSL provides SM3 (Debian's OpenSSL 3 does).
OPENSSL_SM3 = "sm3" in hashlib.algorithms_available


def sm3_hex(data: bytes) -> str:
    """SM3 digest of ``data`` as 64 lowercase hex characters."""
    if OPENSSL_SM3:
        return hashlib.new("sm3", data).hexdigest()
    return gmssl_sm3_hex(data)


def gmssl_sm3_hex(data: bytes) -> str:
    """SM3 by the pure-Python ``gmssl`` implementation (the fallback; kept to cross-check OpenSSL's)."""
    return str(_gm_sm3.sm3_hash(_func.bytes_to_list(data)))


def _sm3(data: bytes) -> bytes:
    return bytes.fromhex(sm3_hex(data))


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 (RFC 2104) of ``data`` under ``key``: 32 bytes."""
    if OPENSSL_SM3:
        return hmac.new(key, data, "sm3").digest()
    return rfc2104_hmac_sm3(key, data)


def rfc2104_hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 composed here per RFC 2104 over ``gmssl``'s SM3 (the fallback; cross-checks OpenSSL's)."""

    def _gm(data: bytes) -> bytes:
        return bytes.fromhex(gmssl_sm3_hex(data))

    if len(key) > _SM3_BLOCK:
        key = _gm(key)
    key = key.ljust(_SM3_BLOCK, b"\0")
    inner = _gm(bytes(b ^ 0x36 for b in key) + data)
    return _gm(bytes(b ^ 0x5C for b in key) + inner)


class Sm4BlockCipher:
    """The SM4 block cipher (encryption direction only, which CTR mode needs).

    Args:
        key: 16 bytes.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != _BLOCK:
            raise ConfigError(f"an SM4 key is 16 bytes, got {len(key)}")
        self._impl: Any = _sm4.CryptSM4()
        self._impl.set_key(key, _sm4.SM4_ENCRYPT)

    def encrypt_block(self, block: bytes) -> bytes:
        """Encrypt one 16-byte block."""
        if len(block) != _BLOCK:
            raise ValueError("SM4 encrypts 16-byte blocks")
        out = self._impl.one_round(self._impl.sk, _func.bytes_to_list(block))
        return bytes(out)

    def ctr(self, iv: bytes, data: bytes) -> bytes:
        """XOR ``data`` with the CTR keystream started at counter ``iv`` (encrypts and decrypts)."""
        counter = int.from_bytes(iv, "big")
        out = bytearray()
        for start in range(0, len(data), _BLOCK):
            stream = self.encrypt_block(counter.to_bytes(_BLOCK, "big"))
            counter = (counter + 1) % (1 << 128)
            chunk = data[start : start + _BLOCK]
            out.extend(a ^ b for a, b in zip(chunk, stream, strict=False))
        return bytes(out)


class FieldCipher:
    """Seal and open sensitive text fields (names, contact data, evidence notes).

    Args:
        key: the 16-byte master key; encryption and MAC keys are derived from it with SM3.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != _BLOCK:
            raise ConfigError(f"the SM4 field key is 16 bytes (32 hex characters), got {len(key)} bytes")
        self._cipher = Sm4BlockCipher(_sm3(b"hsekg-field-enc" + key)[:_BLOCK])
        self._mac_key = _sm3(b"hsekg-field-mac" + key)

    @classmethod
    def from_hex(cls, key_hex: str) -> FieldCipher:
        """A cipher from 32 hex characters.

        Raises:
            ConfigError: not 32 hex characters.
        """
        try:
            return cls(bytes.fromhex(key_hex))
        except ValueError as e:
            raise ConfigError("the SM4 field key must be 32 hex characters") from e

    def seal(self, plaintext: str) -> str:
        """Encrypt ``plaintext``; the empty string and already sealed values are returned as they are."""
        if not plaintext or plaintext.startswith(SEALED_PREFIX):
            return plaintext
        data = plaintext.encode("utf-8")
        iv = hmac_sm3(self._mac_key, data)[:_BLOCK]
        token = base64.urlsafe_b64encode(iv + self._cipher.ctr(iv, data)).decode("ascii")
        return SEALED_PREFIX + token

    def open(self, stored: str) -> str:
        """Decrypt a sealed value; a value that was never sealed (legacy plaintext) is returned unchanged.

        Raises:
            CryptoError: the value was sealed under another key or altered.
        """
        if not stored.startswith(SEALED_PREFIX):
            return stored
        try:
            raw = base64.urlsafe_b64decode(stored[len(SEALED_PREFIX) :].encode("ascii"))
        except (ValueError, UnicodeEncodeError) as e:
            raise CryptoError("sealed value is not valid base64") from e
        if len(raw) < _BLOCK:
            raise CryptoError("sealed value is truncated")
        iv, body = raw[:_BLOCK], raw[_BLOCK:]
        data = self._cipher.ctr(iv, body)
        if hmac_sm3(self._mac_key, data)[:_BLOCK] != iv:
            raise CryptoError("sealed value failed its integrity check (wrong key or tampered)")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:  # pragma: no cover - the MAC check makes this unreachable
            raise CryptoError("sealed value is not UTF-8") from e

    def open_tree(self, value: object) -> object:
        """Open every sealed string inside nested lists and dicts (audit before/after images)."""
        if isinstance(value, str):
            return self.open(value)
        if isinstance(value, list):
            return [self.open_tree(v) for v in value]
        if isinstance(value, dict):
            return {k: self.open_tree(v) for k, v in value.items()}
        return value
