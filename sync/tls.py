"""What the client and the server agree on about TLS: what a certificate pin is, and which
hosts may be reached (or served) without TLS.

A **pin** is the SHA-256 of the certificate's SubjectPublicKeyInfo (its public key in DER),
written as 64 hexadecimal characters (colons, spaces and case ignored when read). The same
value as ``openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum``.
Pinning the key rather than the whole certificate lets the server renew its certificate
(a new expiry date, other host names) with the same key without every invite going stale.

**Loopback** hosts are 127.0.0.0/8, ::1 and ``localhost``: the only ones plain ``http://``
may reach without ``--insecure-http``, because the traffic never leaves the computer. The
host is judged as written in the URL, never by resolving it (a DNS answer could lie).
"""

from __future__ import annotations

import hashlib
import ipaddress
import string

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from fieldapp.errors import InvalidInput

PIN_HEX_LENGTH = 64


def pin_of_certificate(der: bytes) -> str:
    """The pin of a DER certificate: SHA-256 of its SubjectPublicKeyInfo, lower-case hex."""
    certificate = x509.load_der_x509_certificate(der)
    spki = certificate.public_key().public_bytes(Encoding.DER,
                                                 PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def normalise_pin(pin: str) -> str:
    """A pin as 64 lower-case hex characters; `InvalidInput` (exit 2) for anything else."""
    if not isinstance(pin, str):
        raise InvalidInput(field="tls-pin", reason="SHA-256 expected")
    cleaned = "".join(pin.split()).replace(":", "").lower()
    if len(cleaned) != PIN_HEX_LENGTH or not set(cleaned) <= set(string.hexdigits.lower()):
        raise InvalidInput(field="tls-pin", reason="SHA-256 expected")
    return cleaned


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and ``localhost``."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback
