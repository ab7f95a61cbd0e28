"""Device identities, fingerprints and project keys."""

from __future__ import annotations

import pytest

from fieldapp.crypto.keys import (
    SUITES,
    DeviceIdentity,
    ProjectKeys,
    PublicIdentity,
    fingerprint_of,
    hpke_suite,
    project_fingerprint,
    verify_ed25519,
)
from fieldapp.errors import InvalidInput


@pytest.mark.parametrize("suite", SUITES)
def test_identity_round_trip_encrypt_and_sign(suite: str) -> None:
    device = DeviceIdentity.generate(suite)
    again = DeviceIdentity.loads(device.dumps())
    assert again == device
    public = PublicIdentity.from_dict(device.public.to_dict())
    assert public == device.public
    sealed = hpke_suite(suite).encrypt(b"k" * 32, public.hpke_public(), info=b"t")
    assert hpke_suite(suite).decrypt(sealed, again.hpke_private(), info=b"t") == b"k" * 32
    assert public.verify(device.sign(b"data"), b"data")
    assert not public.verify(device.sign(b"data"), b"dat4")
    assert not DeviceIdentity.generate(suite).public.verify(device.sign(b"data"), b"data")


def test_fingerprint_is_six_groups_of_five_digits_and_distinct() -> None:
    a, b = DeviceIdentity.generate().public, DeviceIdentity.generate().public
    groups = a.fingerprint.split(" ")
    assert len(groups) == 6 and all(len(g) == 5 and g.isdigit() for g in groups)
    assert a.fingerprint != b.fingerprint
    assert fingerprint_of(b"x") == fingerprint_of(b"x") != fingerprint_of(b"y")


def test_repr_never_shows_private_bytes() -> None:
    device = DeviceIdentity.generate("X25519")
    assert device.sign_private.hex() not in repr(device)
    keys = ProjectKeys.generate()
    assert keys.sign_private.hex() not in repr(keys)


def test_project_keys_sign_and_fingerprint() -> None:
    keys = ProjectKeys.generate("X25519")
    assert verify_ed25519(keys.sign_public, keys.sign(b"invite"), b"invite")
    assert not verify_ed25519(keys.sign_public, keys.sign(b"invite"), b"invitE")
    assert keys.fingerprint == project_fingerprint(keys.project_id, keys.sign_public)


@pytest.mark.parametrize("bad", [
    None, {}, {"suite": "RSA", "sign": "", "kem": ""},
    {"suite": "X25519", "sign": "!!!", "kem": "AAAA"},
    {"suite": "X25519", "sign": "AAAA", "kem": "AAAA"},
])
def test_bad_public_keys_refused(bad: object) -> None:
    with pytest.raises(InvalidInput):
        PublicIdentity.from_dict(bad)


def test_bad_private_blob_refused() -> None:
    with pytest.raises(InvalidInput):
        DeviceIdentity.loads(b"not json")
    with pytest.raises(InvalidInput):
        DeviceIdentity.loads(b'{"v": 2}')
