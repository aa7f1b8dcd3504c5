"""What the control plane predicts for this runner, step by step, from a snapshot.

The runner's VNet is not something the probe can see from inside the machine, so it is given:
``--vnet ID`` (the resource id of the VNet the runner's subnet is in). With it, the DNS and
challenge predictions are what ACR-051 would decide for a workload in that VNet
(:func:`~scanner.inventory.pull_network.private_path_from`); without it they follow from the
registry's own settings (public access, firewall rules, private endpoints) alone.
"""

from __future__ import annotations

from scanner.inventory.access_paths import access_of
from scanner.inventory.access_paths.model import Grant, RegistryAccess
from scanner.inventory.model import Inventory, Registry
from scanner.inventory.pull_network import private_path_from
from scanner.probe.model import Expected, Prediction


def _public_challenge(expected: Expected) -> tuple[str, int | None]:
    access = expected.public_access
    if access == "open":
        return "the public endpoint admits every address: 401 challenge", 401
    if access == "firewalled":
        rules = ", ".join(expected.ip_rules[:5]) or "none"
        return f"the public endpoint admits only its IP rules ({rules}): 401 from those, 403 from any other", None
    if access == "disabled":
        return (
            "public network access is disabled: 403 from the public endpoint, 401 only through a private endpoint",
            403,
        )
    return "the public endpoint's settings are not known", None


def _covers(repositories: tuple[str, ...], repository: str | None) -> bool:
    if repository is None or "*" in repositories:
        return True
    return any(r == repository or (r.endswith("*") and repository.startswith(r[:-1])) for r in repositories)


def _path(grant: Grant) -> str:
    return " → ".join(hop.name for hop in grant.via) or grant.principal_type


def pull_prediction(
    access: RegistryAccess | None, oid: str | None, repository: str | None
) -> tuple[str, bool | None] | None:
    """What the access model says of this identity pulling ``repository`` (any, when None): the
    sentence, and whether it predicts a pull (None: it cannot tell); None without a model or oid."""
    if access is None or not oid:
        return None
    what = repository or "any repository"
    grants = [g for g in access.grants_to(frozenset({oid.lower()})) if "pull" in g.actions]
    sure = [g for g in grants if _covers(g.repositories, repository) and not g.unknown]
    if sure:
        return f"the access model predicts identity {oid} pulls {what}: {_path(sure[0])}", True
    maybe = [g for g in grants if _covers(g.repositories, repository)]
    groups = [g for g in access.doubtful_grants() if g.principal_type == "Group" and "pull" in g.actions]
    if maybe or groups:
        why = (maybe[0].unknown or ("",))[0] if maybe else f"{_path(groups[0])}: {(groups[0].unknown or ('',))[0]}"
        return f"the access model cannot tell whether identity {oid} pulls {what}: {why}", None
    none = f"the access model predicts identity {oid} holds no pull on {what} (no role, group or token grants it)"
    return none, False


def predict(inv: Inventory, reg: Registry, expected: Expected, vnet: str | None) -> Prediction:
    """The prediction for ``reg`` seen from ``vnet`` (or from anywhere, when no VNet is given)."""
    token = "anonymous pull is enabled: a token without identity pulls" if expected.anonymous_pull else None
    access = access_of(inv, reg)
    public_text, public_status = _public_challenge(expected)
    if vnet is None:
        dns = "no --vnet: no per-VNet prediction"
        if expected.public_access == "disabled":
            dns = "public access is disabled: every name must resolve to a private endpoint address"
            return Prediction(dns, True if expected.private_ips else None, public_text, public_status, token, access)
        return Prediction(dns, None, public_text, public_status, token, access)
    private, reachable, reason = private_path_from(inv, reg, vnet)
    dns = f"ACR-051 from {vnet.rsplit('/', 1)[-1]}: {reason}"
    if private is True and reachable is True:
        reached = "the names resolve to a reachable private endpoint: 401 challenge"
        return Prediction(dns, True, reached, 401, token, access)
    if private is True:
        return Prediction(dns, True, f"no working private path: {reason}", None, token, access)
    return Prediction(dns, False if private is False else None, public_text, public_status, token, access)
