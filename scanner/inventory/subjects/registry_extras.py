"""The registry document's fields of issue 14: ``defender``, the artifact cache's ``cacheRules`` and
``credentialSets``, ``connectedRegistries`` with the tokens they use, and where each private
endpoint connection comes from (docs/subject-documents.md lists them)."""

from __future__ import annotations

from typing import Any

from scanner.azure.ids import norm, subscription_of
from scanner.inventory.model import Raw, Registry, RegistryExtras
from scanner.inventory.rows import as_list, as_map, props, text
from scanner.unknown import Unknown

_NOT_BUILT = Unknown("the inventory did not resolve this registry's Defender and child-resource data")


def _token_status(tokens: list[Raw] | Unknown, token_id: Any) -> str | Unknown:
    """``enabled``/``disabled`` of the token a connected registry names, ``missing`` if there is none."""
    if isinstance(tokens, Unknown):
        return tokens
    if not isinstance(token_id, str) or not token_id:
        return "missing"
    for token in tokens:
        if norm(str(token.get("id", ""))) == norm(token_id):
            status = props(token).get("status")
            return "enabled" if status is None else status  # Azure's default for a token
    return "missing"


def connected_registry_tokens(connected: list[Raw] | Unknown, tokens: list[Raw] | Unknown) -> list[Any] | Unknown:
    """One entry per token a connected registry uses: its sync token and each client token."""
    if isinstance(connected, Unknown):
        return connected
    out: list[Any] = []
    for row in connected:
        name = text(row.get("name")) or str(row.get("id", ""))
        sync = as_map(as_map(props(row).get("parent")).get("syncProperties")).get("tokenId")
        out.append({"connectedRegistry": name, "use": "sync", "tokenId": sync, "status": _token_status(tokens, sync)})
        for client in as_list(props(row).get("clientTokenIds")):
            status = _token_status(tokens, client)
            out.append({"connectedRegistry": name, "use": "client", "tokenId": client, "status": status})
    return out


def extras_fields(reg: Registry) -> dict[str, Any]:
    """The document fields that come from :class:`RegistryExtras`."""
    extras: RegistryExtras | None = reg.extras
    if extras is None:
        return dict.fromkeys(("defender", "cacheRules", "credentialSets", "connectedRegistries"), _NOT_BUILT) | {
            "connectedRegistryTokens": _NOT_BUILT
        }
    defender = extras.defender
    return {
        "defender": {
            "plans": defender.plans,
            "registryScanning": defender.scanning,
            "assessments": defender.assessments,
            "imageVulnerabilities": defender.image_health,
        },
        "cacheRules": extras.cache_rules,
        "credentialSets": extras.credential_sets,
        "connectedRegistries": extras.connected_registries,
        "connectedRegistryTokens": connected_registry_tokens(extras.connected_registries, reg.arm.tokens),
    }


def connection_docs(reg: Registry) -> list[dict[str, Any]]:
    """The registry's private endpoint connections, with the subscription and side of each endpoint."""
    peers = reg.extras.connection_peers if reg.extras is not None else ()
    out = []
    for index, c in enumerate(reg.connections):
        peer = peers[index] if index < len(peers) else _NOT_BUILT
        out.append(
            {
                "id": c.id,
                "name": c.id.rstrip("/").rsplit("/", 1)[-1],
                "status": c.status,
                "privateEndpointId": c.private_endpoint_id,
                "privateEndpointSubscriptionId": subscription_of(c.private_endpoint_id)
                if c.private_endpoint_id
                else None,
                "peer": peer,
            }
        )
    return out
