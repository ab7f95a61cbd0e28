"""The roster on its own (pure computation): who may sign it, and what can never change."""

from __future__ import annotations

import dataclasses

import pytest

from fieldapp import roster as r
from fieldapp.crypto.keys import DeviceIdentity, ProjectKeys

NOW = 1_780_000_000_000


def _member(identity: DeviceIdentity, role: str, keys: ProjectKeys | None = None,
            name: str = "X") -> r.Member:
    public = identity.public
    certificate = r.certify(keys.project_id, public, NOW, keys.sign) if keys else None
    return r.Member(public.key_id, role, name, public, approved_at=NOW,
                    certificate=certificate)


@pytest.fixture
def world():
    keys = ProjectKeys.generate("X25519")
    founder = DeviceIdentity.generate("X25519")
    second = DeviceIdentity.generate("X25519")
    monitor = DeviceIdentity.generate("X25519")
    members = [_member(founder, "coordinator", keys, "Coord-1"),
               _member(second, "coordinator", keys, "Coord-2"),
               _member(monitor, "monitor", None, "Sahel-7")]
    first = r.sign_roster(keys.project_id, 1, NOW, members, r.PROJECT_SIGNER, keys.sign)
    return keys, founder, second, monitor, first


def _verify(keys, data: bytes, current=None) -> r.Roster:
    return r.verify(data, keys.project_id, keys.sign_public, current)


def test_signed_by_the_project_key_or_a_certified_coordinator(world) -> None:
    keys, _founder, second, monitor, first = world
    assert _verify(keys, first.to_bytes()).counter == 1
    by_second = r.sign_roster(keys.project_id, 2, NOW, first.members,
                              second.public.key_id, second.sign)
    assert _verify(keys, by_second.to_bytes(), first).counter == 2
    by_monitor = r.sign_roster(keys.project_id, 2, NOW, first.members,
                               monitor.public.key_id, monitor.sign)
    with pytest.raises(r.RosterInvalid, match="signature"):
        _verify(keys, by_monitor.to_bytes(), first)


def test_a_certificate_from_another_project_key_is_worthless(world) -> None:
    keys, founder, _second, monitor, first = world
    other = ProjectKeys.generate("X25519")
    intruder = DeviceIdentity.generate("X25519")
    forged_member = r.Member(intruder.public.key_id, "coordinator", "Faux", intruder.public,
                             approved_at=NOW,
                             certificate=r.certify(keys.project_id, intruder.public, NOW,
                                                   other.sign))
    forged = r.sign_roster(keys.project_id, 2, NOW, [*first.members, forged_member],
                           intruder.public.key_id, intruder.sign)
    with pytest.raises(r.RosterInvalid, match="signature"):
        _verify(keys, forged.to_bytes(), first)


def test_no_rollback_no_resurrection_no_key_swap(world) -> None:
    keys, founder, second, monitor, first = world
    revoked = r.sign_roster(keys.project_id, 2, NOW, r.with_revocation(
        first, monitor.public.key_id, NOW + 5, 40), r.PROJECT_SIGNER, keys.sign)
    current = _verify(keys, revoked.to_bytes(), first)
    with pytest.raises(r.RosterInvalid, match="older"):
        _verify(keys, first.to_bytes(), current)      # replay of the older one
    back = r.sign_roster(keys.project_id, 3, NOW, first.members, r.PROJECT_SIGNER, keys.sign)
    with pytest.raises(r.RosterInvalid, match="comes back"):
        _verify(keys, back.to_bytes(), current)       # even signed by the project key
    moved = r.with_revocation(first, monitor.public.key_id, NOW + 999, 10_000)
    later = r.sign_roster(keys.project_id, 3, NOW, moved, r.PROJECT_SIGNER, keys.sign)
    with pytest.raises(r.RosterInvalid, match="comes back"):
        _verify(keys, later.to_bytes(), current)      # nor a later cut-off
    swapped_key = DeviceIdentity.generate("X25519").public
    member = current.member(founder.public.key_id)
    with pytest.raises(r.RosterInvalid):              # an id names one key set
        r.Member.from_dict({**member.to_dict(), "sign_public":
                            r._b64(swapped_key.sign_public)})


def test_a_revoked_coordinator_can_not_sign_itself_back(world) -> None:
    keys, founder, second, _monitor, first = world
    revoked = r.sign_roster(keys.project_id, 2, NOW, r.with_revocation(
        first, second.public.key_id, NOW, 0), founder.public.key_id, founder.sign)
    current = _verify(keys, revoked.to_bytes(), first)
    comeback = r.sign_roster(keys.project_id, 3, NOW, first.members, second.public.key_id,
                             second.sign)
    with pytest.raises(r.RosterInvalid):
        _verify(keys, comeback.to_bytes(), current)


@pytest.mark.parametrize("damage", [
    lambda d: d[:-10], lambda d: b"{}", lambda d: b"not json", lambda d: d.replace(
        b'"counter":1', b'"counter":"1"'), lambda d: d.replace(b'"monitor"', b'"admin"'),
    lambda d: b"x" * (r.MAX_ROSTER_BYTES + 1),
])
def test_damaged_rosters_are_refused_with_a_reason(world, damage) -> None:
    keys, *_rest, first = world
    with pytest.raises(r.RosterInvalid):
        _verify(keys, damage(first.to_bytes()))


def test_changed_after_signing_is_refused(world) -> None:
    keys, *_rest, first = world
    fewer = dataclasses.replace(first, members=first.members[:2])
    with pytest.raises(r.RosterInvalid, match="signature"):
        _verify(keys, fewer.to_bytes())
