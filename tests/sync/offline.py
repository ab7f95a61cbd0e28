"""A project made without a server: memberships and rosters signed with a project key,
adopted by each vault — for core tests of what a device applies (authorization included)."""

from __future__ import annotations

import base64
import time

from fieldapp import roster as rosters
from fieldapp.crypto.keys import ProjectKeys
from fieldapp.membership import Membership, Peer, adopt_roster, device_identity, save_membership
from fieldapp.records import transaction

SUITE = "X25519"


class OfflineProject:
    """One project; `join` approves vaults in a new roster that every member adopts."""

    def __init__(self) -> None:
        self.keys = ProjectKeys.generate(SUITE)
        self.members: list[rosters.Member] = []
        self.vaults: list[tuple[object, str]] = []
        self.counter = 0

    def join(self, *vaults_and_roles: tuple[object, str]) -> list[str]:
        """Approve each (vault, role); returns their device ids."""
        now = int(time.time() * 1000)
        ids = []
        for vault, role in vaults_and_roles:
            with transaction(vault.conn):
                public = device_identity(vault.conn, SUITE).public
            certificate = (rosters.certify(self.keys.project_id, public, now, self.keys.sign)
                           if role == "coordinator" else None)
            self.members.append(rosters.Member(public.key_id, role, vault.pseudonym, public,
                                               approved_at=now, certificate=certificate))
            self.vaults.append((vault, role))
            ids.append(public.key_id)
            with transaction(vault.conn):
                save_membership(vault.conn, Membership(
                    self.keys.project_id, "Projet", "http://127.0.0.1:9", role,
                    public.key_id, "token", public.key_id, SUITE,
                    base64.b64encode(self.keys.sign_public).decode(), [], "", None))
        self.counter += 1
        roster = rosters.sign_roster(self.keys.project_id, self.counter, now, self.members,
                                     rosters.PROJECT_SIGNER, self.keys.sign)
        for vault, _role in self.vaults:
            with transaction(vault.conn):
                adopt_roster(vault.conn, roster.to_bytes())
        return ids

    def peers(self) -> list[Peer]:
        return [Peer.of_member(m) for m in self.members]


def offline_project(*vaults_and_roles: tuple[object, str]) -> OfflineProject:
    """A project whose first roster approves each (vault, role)."""
    project = OfflineProject()
    project.join(*vaults_and_roles)
    return project
