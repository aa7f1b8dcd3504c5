"""Step 3, the challenge: ``GET /v2/`` must answer 401 with a Bearer challenge naming this registry.

The answer's realm is where the token step may send credentials, so it is only accepted when it
names the login server itself: a proxy or a look-alike that sends its own realm gets nothing.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
from typing import Any, NamedTuple

from scanner.probe.model import StepResult, Target
from scanner.probe.net import NetError, fetch

_PARAM = re.compile(r'(\w+)="([^"]*)"')
_CLIENT_IP = re.compile(r"client with IP '([0-9a-fA-F.:]+)'")


class Challenge(NamedTuple):
    realm: str
    service: str


def parse_challenge(header: str) -> Challenge | None:
    """``Bearer realm="...",service="..."`` → its realm and service (None if not a Bearer challenge)."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    params = {k.lower(): v for k, v in _PARAM.findall(rest[:4096])}
    if "realm" not in params or "service" not in params:
        return None
    return Challenge(params["realm"], params["service"])


def _host_of(url: str) -> str:
    rest = url.lower().removeprefix("https://")
    return rest.split("/", 1)[0].rsplit(":", 1)[0] if not rest.startswith("[") else rest


def _snippet(body: bytes) -> str:
    return body[:300].decode("utf-8", "replace").replace("\n", " ").strip()


def _forbidden(target: Target, body: bytes) -> tuple[str, str | None, dict[str, Any]]:
    match = _CLIENT_IP.search(body[:8192].decode("utf-8", "replace"))
    client = match.group(1) if match else None
    facts: dict[str, Any] = {"clientIp": client}
    access = target.expected.public_access
    if access == "disabled":
        cause = (
            "403: public network access is disabled, and this runner reached the public endpoint "
            "(its DNS answer is public)"
        )
        return cause, f"az acr private-endpoint-connection list --registry-name {target.name}", facts
    if client is None:
        return f"403 without the firewall's message: a proxy or WAF in between ({_snippet(body)!r})", None, facts
    admitted = _admitted(client, target.expected.ip_rules)
    facts["inIpRules"] = admitted
    rg = f" --resource-group {target.expected.resource_group}" if target.expected.resource_group else ""
    fix = f"az acr network-rule add --name {target.name}{rg} --ip-address {client}"
    if admitted:
        return (
            f"403 from the registry firewall for {client}, which the snapshot's IP rules admit: "
            "drift since the snapshot",
            fix,
            facts,
        )
    return f"403 from the registry firewall: this runner's egress address {client} is not in its IP rules", fix, facts


def _admitted(client: str, rules: tuple[str, ...]) -> bool | None:
    if not rules:
        return None
    try:
        ip = ipaddress.ip_address(client)
        return any(ip in ipaddress.ip_network(r, strict=False) for r in rules if r)
    except ValueError:
        return None


def challenge_step(
    target: Target, address: str, context: ssl.SSLContext, timeout: float
) -> tuple[StepResult, Challenge | None]:
    """The verdict, and the challenge the token step may follow."""
    evidence: dict[str, Any] = {"url": f"https://{target.label}/v2/"}
    predicted = target.prediction.challenge
    try:
        answer = fetch(address, target.port, target.login_server, context, timeout, "GET", "/v2/")
    except NetError as exc:
        cause = f"GET /v2/: {exc.message}"
        if exc.kind == "timeout":
            cause += ": a slow or stalled proxy, or a firewall dropping packets after the handshake"
        return StepResult("challenge", "fail", cause, None, evidence, predicted), None
    evidence["status"] = answer.status
    evidence["wwwAuthenticate"] = answer.headers.get("www-authenticate", "")[:512]
    expected = target.prediction.challenge_status
    agrees = None if expected is None else expected == answer.status

    def result(status: str, cause: str, fix: str | None = None) -> StepResult:
        return StepResult("challenge", status, cause, fix, evidence, predicted, agrees)

    if answer.status == 401:
        challenge = parse_challenge(answer.headers.get("www-authenticate", ""))
        if challenge is None:
            return result(
                "fail",
                "401 without a Bearer realm/service challenge: not a registry (a proxy asking for its own login?)",
            ), None
        evidence.update(realm=challenge.realm, service=challenge.service)
        host = target.login_server
        if challenge.service.lower() != host or _host_of(challenge.realm) != host:
            return result(
                "fail",
                f"the challenge names realm {challenge.realm} and service {challenge.service}, not {host}: "
                "another registry or a proxy answers here",
            ), None
        return result("ok", f"401 Bearer challenge from {challenge.service}"), challenge
    if answer.status == 200:
        return result("ok", "200 without credentials: anonymous pull is enabled"), None
    if answer.status == 403:
        cause, fix, facts = _forbidden(target, answer.body)
        evidence.update(facts)
        return result("fail", cause, fix), None
    if answer.status == 404:
        return result(
            "fail",
            "404 for /v2/: the host answering is not a registry "
            "(a wrong login server, or a proxy or web app on that address)",
            f"az acr show --name {target.name} --query loginServer",
        ), None
    return result("fail", f"HTTP {answer.status} for /v2/ ({_snippet(answer.body)!r}): not a registry's answer"), None
