"""A throwaway certificate authority and a 127.0.0.1 server certificate, made at test time.

Bearer tokens are refused over plain ``http://`` by azure-core and MSAL, so the emulator must
speak TLS, and the clients must be able to verify it. Nothing is committed to the repository:
each emulator makes a fresh CA (``ca.pem``, usable as ``connection_verify=`` or
``REQUESTS_CA_BUNDLE``) and a leaf certificate for ``127.0.0.1`` / ``localhost`` signed by it.
Elliptic-curve keys keep this to a few milliseconds.

The certificates follow the strict X.509 profile that newer OpenSSL / Python builds enforce
(``VERIFY_X509_STRICT``): a critical basicConstraints and keyUsage on the CA, subject and
authority key identifiers on both, and a serverAuth extended key usage on the leaf.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = dt.timedelta(days=2)
CLOCK_SKEW = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class CertificatePaths:
    """Where the PEM files of one emulator's TLS identity were written."""

    directory: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path


def _name(common_name: str) -> x509.Name:
    """A subject/issuer name that says plainly this is a test artefact."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "acr-policy-scanner test emulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    """Valid from an hour ago (clock skew) for two days: enough for any test run."""
    now = dt.datetime.now(dt.UTC)
    return builder.not_valid_before(now - CLOCK_SKEW).not_valid_after(now + VALIDITY)


def _ca(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """A self-signed CA that may sign leaf certificates only (path length 0)."""
    name = _name("acr-policy-scanner emulator CA")
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    return _validity(builder).sign(key, hashes.SHA256())


def _leaf(
    key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate
) -> x509.Certificate:
    """The server certificate: SAN IP 127.0.0.1 and DNS localhost, serverAuth only."""
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    return _validity(builder).sign(ca_key, hashes.SHA256())


def _write_private(path: Path, data: bytes) -> None:
    """Write a private key readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def make_certificates(directory: Path | None = None) -> CertificatePaths:
    """Create a CA and a 127.0.0.1 server certificate in ``directory`` (a new temp dir if None).

    Returns the paths of ``ca.pem``, ``server.pem`` and ``server-key.pem``. The caller owns
    the directory and removes it when done (the emulator does so on ``stop()``).
    """
    target = directory if directory is not None else Path(tempfile.mkdtemp(prefix="azure-emulator-"))
    target.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _ca(ca_key)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _leaf(server_key, ca_key, ca)
    paths = CertificatePaths(target, target / "ca.pem", target / "server.pem", target / "server-key.pem")
    paths.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.server_cert.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    _write_private(
        paths.server_key,
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    return paths
