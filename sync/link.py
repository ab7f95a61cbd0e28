"""The link to this profile's server: a transport as this device (token, TLS pin), and
the server's description of a device (its word only)."""

from __future__ import annotations

from fieldapp.crypto.keys import PublicIdentity
from fieldapp.membership import Peer, membership
from fieldapp.profile import Vault

from . import protocol as p
from .errors import ServerRefused
from .transport import Settings, Transport


def peer_of(info: p.DeviceInfo) -> Peer:
    """A device as the server describes it (its word only: *pending*, or revoked by the
    server); the device id must be the hash of the keys (so the server cannot pair an id
    with other keys)."""
    public = PublicIdentity(info.suite, p.unb64(info.sign_public), p.unb64(info.kem_public))
    if public.key_id != info.device_id:
        raise ServerRefused(status=200, code="device_id_mismatch")
    return Peer(info.device_id, info.role, info.pseudonym, public,
                "revoked" if info.revoked_at is not None else "pending")


def with_pin(settings: Settings | None, tls_pin: str | None) -> Settings:
    """``settings`` with the TLS pin (a fresh `Settings` when none)."""
    settings = settings or Settings()
    if tls_pin:
        settings.tls_pin = tls_pin
    return settings


def transport_for(vault: Vault, settings: Settings | None = None) -> Transport:
    """A transport to this profile's server, as this device."""
    member = membership(vault.conn)
    settings = with_pin(settings, member.tls_pin)
    settings.insecure_http = settings.insecure_http or member.insecure_http
    return Transport(member.server_url, member.device_token, settings)


__all__ = ["peer_of", "transport_for", "with_pin"]
