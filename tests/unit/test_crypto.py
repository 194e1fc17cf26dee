"""AES-GCM value encryption: round trip, key binding, tamper and misuse detection."""

import pytest

from server.domain.errors import FailedPrecondition
from server.services.crypto import Cipher, parse_key

KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def test_round_trip_and_fresh_nonces():
    cipher = Cipher.from_setting(KEY)
    a, b = cipher.encrypt({"pw": "hunter2"}, "uid1"), cipher.encrypt({"pw": "hunter2"}, "uid1")
    assert a != b and "hunter2" not in a
    assert cipher.decrypt(a, "uid1") == {"pw": "hunter2"}


def test_ciphertext_is_bound_to_its_entry_and_key():
    cipher = Cipher.from_setting(KEY)
    token = cipher.encrypt([1, 2], "uid1")
    with pytest.raises(FailedPrecondition, match="does not verify"):
        cipher.decrypt(token, "uid2")  # copied onto another entry
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(FailedPrecondition):
        cipher.decrypt(tampered, "uid1")
    other = Cipher.from_setting("ff" * 32)
    with pytest.raises(FailedPrecondition, match="another key"):
        other.decrypt(token, "uid1")


def test_no_key_means_a_clear_refusal():
    with pytest.raises(FailedPrecondition, match="DATASTORE_ENCRYPTION_KEY"):
        Cipher.from_setting(None).encrypt(1, "uid")


@pytest.mark.parametrize("bad", ["short", "00" * 16, "zz" * 32])
def test_bad_keys_are_refused_at_start(bad):
    with pytest.raises(ValueError, match="32 bytes"):
        parse_key(bad)
