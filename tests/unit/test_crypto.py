"""AES-GCM value encryption: round trip, key binding, tamper and misuse detection;
key files (real files in a temporary directory) and key rings."""

import os
import stat

import pytest

from server.config import Settings
from server.domain.errors import FailedPrecondition
from server.services.crypto import Cipher, StaticKeys, key_id, parse_key, token_key_id
from server.services.keyfiles import FileKeys, create_key_file, key_file_for, read_key_file, replace_key_file

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


def test_old_keys_still_decrypt_and_new_values_use_the_current_key():
    old, new = parse_key(KEY), parse_key("ff" * 32)
    token = Cipher(old).encrypt("v", "uid1")
    ring = Cipher(keys=StaticKeys(new, [old]))
    assert ring.decrypt(token, "uid1") == "v"
    assert token_key_id(ring.encrypt("w", "uid2")) == key_id(new) != token_key_id(token)


def test_key_files_are_created_once_atomically_and_private(tmp_path):
    path = str(tmp_path / "x.db.key")
    a, b = parse_key(KEY), parse_key("ff" * 32)
    assert create_key_file(path, a) and not create_key_file(path, b)
    assert read_key_file(path) == a and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    replace_key_file(path, b)
    assert read_key_file(path) == b and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["x.db.key"]
    assert read_key_file(str(tmp_path / "none")) is None


def test_a_key_file_is_generated_on_first_use_and_reread_when_replaced(tmp_path):
    path = str(tmp_path / "k")
    keys = FileKeys(path)
    cipher = Cipher(keys=keys)
    assert not os.path.exists(path)
    first = cipher.encrypt(1, "u")
    generated = read_key_file(path)
    assert generated and token_key_id(first) == key_id(generated)
    create_key_file(f"{path}.old", generated)
    replace_key_file(path, parse_key(KEY))  # what a rotation does
    assert token_key_id(cipher.encrypt(2, "u")) == key_id(parse_key(KEY))
    assert cipher.decrypt(first, "u") == 1
    fresh = Cipher(keys=FileKeys(path))  # another process: learns the old key from .old
    assert fresh.decrypt(first, "u") == 1
    os.unlink(path)
    with pytest.raises(FailedPrecondition, match="disappeared"):
        cipher.encrypt(3, "u")


def test_generation_is_refused_when_the_guard_says_so(tmp_path):
    def guard():
        raise FailedPrecondition("values exist")

    with pytest.raises(FailedPrecondition, match="values exist"):
        Cipher(keys=FileKeys(str(tmp_path / "k"), guard=guard)).encrypt(1, "u")
    assert not (tmp_path / "k").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///datastore.db", "datastore.db.key"),
        ("sqlite:////var/lib/ds/x.db", "/var/lib/ds/x.db.key"),
        ("sqlite:///:memory:", None),
        ("postgresql://u@h/db", None),
    ],
)
def test_where_the_key_file_is(url, expected):
    assert key_file_for(Settings(db_url=url)) == expected
    assert key_file_for(Settings(db_url=url, encryption_key_file="/k")) == "/k"
