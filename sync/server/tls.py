"""The server's TLS certificate: the one given (``--tls-cert/--tls-key``), or a self-signed
one made in the data folder on first start and reused afterwards.

The self-signed key is ECDSA P-256 (every TLS client and tool handles it; Ed25519
certificates are refused by many). ``DATA/tls-key.pem`` is written 0600 and never replaced:
when the certificate expires within 30 days or the host names change, a new certificate is
issued for the same key, so its pin (`sync.tls`: SHA-256 of the public key) and every
invite carrying it stay valid.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fieldapp.fsutil import atomic_write

from ..tls import pin_of_certificate

CERT_FILE = "tls-cert.pem"
KEY_FILE = "tls-key.pem"
VALID_DAYS = 825
RENEW_BEFORE = dt.timedelta(days=30)
_DNS_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)"
                       r"(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


@dataclass(frozen=True)
class ServerCertificate:
    """What uvicorn loads, and the pin clients check."""

    cert_file: Path
    key_file: Path
    pin: str
    made: bool = False  # a new self-signed certificate was issued at this start


def tls_name(value: str) -> str:
    """A host name or IP address for the certificate (argparse type); ValueError if not."""
    name = value.strip().lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        pass
    if not _DNS_NAME.match(name):
        raise ValueError(value)
    return name


def default_names(host: str) -> list[str]:
    """The bind address (unless it is 0.0.0.0 or ::) and localhost."""
    names = ["localhost"]
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return [tls_name(host), *names] if host else names
    if address.is_unspecified:
        return [*names, "127.0.0.1"]
    return [str(address), *names]


def load_given(cert_file: Path, key_file: Path) -> ServerCertificate:
    """Check that a PEM certificate and its unencrypted key load together (ssl.SSLError,
    OSError or ValueError if not) and compute the pin of the server's own certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file, password=lambda: b"")
    leaf = x509.load_pem_x509_certificate(cert_file.read_bytes())
    return ServerCertificate(cert_file, key_file,
                             pin_of_certificate(leaf.public_bytes(serialization.Encoding.DER)))


def self_signed(data_dir: Path, names: list[str]) -> ServerCertificate:
    """The data folder's self-signed certificate for ``names``: made on first start,
    reused later, re-issued for the same key when it nears expiry or the names change."""
    key_file, cert_file = data_dir / KEY_FILE, data_dir / CERT_FILE
    if key_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("tls-key.pem is not an EC key")
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        atomic_write(key_file, key.private_bytes(serialization.Encoding.PEM,
                                                 serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    made = False
    if not _still_good(cert_file, key, names):
        certificate = _issue(key, names)
        atomic_write(cert_file, certificate.public_bytes(serialization.Encoding.PEM))
        made = True
    found = load_given(cert_file, key_file)
    return ServerCertificate(cert_file, key_file, found.pin, made)


def _subject_names(names: list[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return out


def _still_good(cert_file: Path, key: ec.EllipticCurvePrivateKey, names: list[str]) -> bool:
    if not cert_file.exists():
        return False
    try:
        certificate = x509.load_pem_x509_certificate(cert_file.read_bytes())
        listed = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    same_key = certificate.public_key().public_bytes(serialization.Encoding.DER, spki) == \
        key.public_key().public_bytes(serialization.Encoding.DER, spki)
    fresh = certificate.not_valid_after_utc - dt.datetime.now(dt.UTC) > RENEW_BEFORE
    return same_key and fresh and set(listed) == set(_subject_names(names))


def _issue(key: ec.EllipticCurvePrivateKey, names: list[str]) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fieldapp server")])
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(_subject_names(names)), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(key, hashes.SHA256()))
