import hashlib
import hmac

import pytest
from django.test import override_settings

from eyt_audit.chain import Checkpoint, CheckpointError, hmac_key, link, linker


def test_link_is_hmac_sha256_over_previous_and_content():
    expected = hmac.new(b"k" * 32, b"prev\n{}", hashlib.sha256).hexdigest()
    assert link("prev", b"{}", b"k" * 32) == expected


def test_the_key_comes_from_the_setting():
    assert hmac_key() == b"eyt-audit-tests-hmac-key-of-at-least-32-bytes"


def test_without_the_setting_the_key_is_derived_from_secret_key_not_equal_to_it():
    with override_settings(EYT_AUDIT_HMAC_KEY=None):
        derived = hmac_key()
    with override_settings(EYT_AUDIT_HMAC_KEY=None, SECRET_KEY="another"):
        other = hmac_key()
    assert len(derived) == 32 and derived != other and b"eyt-audit-tests" not in derived


def test_a_checkpoint_round_trips_and_a_changed_one_is_refused():
    text = Checkpoint(sequence=5, chain="ab" * 32, created_at="now").dumps()
    assert Checkpoint.loads(text) == Checkpoint(sequence=5, chain="ab" * 32, created_at="now")
    with pytest.raises(CheckpointError, match="does not match the key"):
        Checkpoint.loads(text.replace('"sequence": 5', '"sequence": 6'))
    with pytest.raises(CheckpointError, match="not an eyt_audit checkpoint"):
        Checkpoint.loads("{}")
    with override_settings(EYT_AUDIT_HMAC_KEY="a-different-key-of-at-least-32-bytes!"), pytest.raises(CheckpointError):
        Checkpoint.loads(text)


def test_linker_gives_the_values_of_link():
    key = b"k" * 32
    link_with = linker(key)
    assert link_with("prev", b"{}") == link("prev", b"{}", key)
    assert link_with("prev", b'{"a":1}') == link("prev", b'{"a":1}', key)
