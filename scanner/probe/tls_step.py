"""Step 2, TLS: a verified handshake with SNI, and what the certificate says.

**Interception proxies.** Azure serves ``*.azurecr.io`` with certificates issued by Microsoft's
own TLS issuing CAs (organization ``Microsoft Corporation``), chained to DigiCert roots. A
leaf whose issuer organization is neither of :data:`PUBLIC_ISSUERS` was issued by someone
else: on a corporate network, a TLS-inspecting proxy. When this machine trusts that proxy's CA
the step still passes, with a note (Docker or containerd elsewhere may not trust it); when it
does not, the handshake fails and the cause says so. A registry on a custom host (tests, a
sovereign cloud) gets the same note, which is why it never fails the step by itself.
"""

from __future__ import annotations

import datetime as dt
import ssl
import time
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from scanner.probe.model import StepResult, Target
from scanner.probe.net import NetError, open_tls

PUBLIC_ISSUERS = frozenset({"microsoft corporation", "digicert inc", "digicert, inc."})
EXPIRY_WARNING_DAYS = 30
_PROXY_FIX = (
    "add the proxy's CA to REQUESTS_CA_BUNDLE / SSL_CERT_FILE (and to Docker's certs.d), or exempt *.azurecr.io "
    "and *.data.azurecr.io from TLS inspection"
)


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def certificate_facts(der: bytes | None, now: dt.datetime) -> dict[str, Any]:
    """Subject, issuer, names and expiry of a DER certificate (empty when there is none)."""
    if not der:
        return {}
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return {"unreadable": True}
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = [str(n) for n in names.get_values_for_type(x509.DNSName)][:20]
    except (x509.ExtensionNotFound, ValueError):
        sans = []
    expires = cert.not_valid_after_utc
    issuer_org = _attr(cert.issuer, NameOID.ORGANIZATION_NAME)
    return {
        "subject": _attr(cert.subject, NameOID.COMMON_NAME) or cert.subject.rfc4514_string()[:200],
        "issuer": _attr(cert.issuer, NameOID.COMMON_NAME) or cert.issuer.rfc4514_string()[:200],
        "issuerOrganization": issuer_org,
        "names": sans,
        "notAfter": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "daysLeft": (expires - now).days,
        "publicIssuer": issuer_org.lower() in PUBLIC_ISSUERS,
    }


def _unverified(address: str, port: int, host: str, deadline: float) -> dict[str, Any]:
    """The certificate the server presents, read without verifying it (for the evidence only)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        sock = open_tls(address, port, host, context, deadline)
    except NetError:
        return {}
    with sock:
        return certificate_facts(sock.getpeercert(binary_form=True), dt.datetime.now(dt.UTC))


def _verify_failure(target: Target, error: ssl.SSLError, facts: dict[str, Any]) -> tuple[str, str]:
    code = getattr(error, "verify_code", None)
    issuer = facts.get("issuer") or "an unknown issuer"
    host = target.login_server
    if code == 10:  # X509_V_ERR_CERT_HAS_EXPIRED
        who = (
            "" if facts.get("publicIssuer", True) else f" (issued by {issuer}, not a public CA: an interception proxy)"
        )
        return (
            f"the certificate expired on {facts.get('notAfter', '?')}{who}",
            _PROXY_FIX if who else "report it to Azure support",
        )
    if code == 62:  # X509_V_ERR_HOSTNAME_MISMATCH
        names = ", ".join(facts.get("names", [])[:4]) or facts.get("subject", "?")
        return (
            f"the certificate is for {names}, not {host}: the address answering is not this registry "
            "(a proxy, or a DNS record pointing at another service)",
            f"az acr show --name {target.name} --query loginServer  # and check the DNS answer",
        )
    if code in (2, 19, 20, 21):  # issuer not found / self-signed in chain / unable to get local issuer
        return (
            f"the certificate is issued by {issuer}, which this machine does not trust: a TLS-inspecting proxy "
            "(or a missing CA bundle)",
            _PROXY_FIX,
        )
    return f"the certificate was refused: {getattr(error, 'verify_message', None) or error.reason or error}", _PROXY_FIX


def tls_step(target: Target, address: str, context: ssl.SSLContext, timeout: float) -> StepResult:
    """Handshake with ``address`` as ``target.login_server`` and judge the certificate."""
    deadline = time.monotonic() + timeout
    evidence: dict[str, Any] = {"address": address, "port": target.port, "serverName": target.login_server}
    try:
        sock = open_tls(address, target.port, target.login_server, context, deadline)
    except NetError as exc:
        if exc.kind == "tls" and isinstance(exc.tls_error, ssl.SSLCertVerificationError):
            facts = _unverified(address, target.port, target.login_server, time.monotonic() + timeout)
            cause, fix = _verify_failure(target, exc.tls_error, facts)
            return StepResult("tls", "fail", cause, fix, {**evidence, "certificate": facts})
        return StepResult("tls", "fail", f"{exc.message}: {_network_hint(exc.kind)}", None, evidence)
    with sock:
        facts = certificate_facts(sock.getpeercert(binary_form=True), dt.datetime.now(dt.UTC))
        evidence.update(protocol=sock.version(), cipher=(sock.cipher() or ("",))[0], certificate=facts)
    notes = []
    if not facts.get("publicIssuer"):
        notes.append(
            f"issued by {facts.get('issuer')} ({facts.get('issuerOrganization') or 'no organization'}), "
            "not a CA Azure uses: an interception proxy this machine trusts"
        )
    if facts.get("daysLeft", EXPIRY_WARNING_DAYS) < EXPIRY_WARNING_DAYS:
        notes.append(f"the certificate expires in {facts['daysLeft']} days ({facts['notAfter']})")
    cause = (
        f"{evidence['protocol']}, certificate for {facts.get('subject')} by {facts.get('issuer')}, "
        f"{facts.get('daysLeft')} days left"
    )
    return StepResult("tls", "ok", cause, None, evidence, notes=tuple(notes))


def _network_hint(kind: str) -> str:
    return {
        "timeout": "packets are dropped (an NSG, a firewall, or a private endpoint not routable from here)",
        "refused": "nothing listens there (a wrong address or port)",
        "unreachable": "no route to the address",
    }.get(kind, "the connection failed")
