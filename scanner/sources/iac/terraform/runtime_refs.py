"""References to identities Azure assigns at deployment: which attribute of a resource they read.

``azurerm_kubernetes_cluster.aks.kubelet_identity[0].object_id`` is known only after apply,
in a plan as in ``.tf`` source. Both readers turn such a reference into a
:class:`~scanner.sources.declarations.RuntimeValue` naming the referenced resource's
(synthetic) id and the identity, which the IaC core resolves to the placeholder the workload's
own row carries (docs/iac.md, "Workloads and the identities they pull with"). Only the attribute paths
below qualify; the core further checks the resource's type.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.sources.declarations import RuntimeValue
from scanner.sources.iac.terraform.values import find_unknown
from scanner.unknown import Unknown

# Attribute path (an index step is "*") → the RUNTIME_ATTRIBUTES key it reads. The azapi
# forms read the ARM shape under ``output`` (azapi 2.x) and ``identity`` like azurerm.
_PATHS: dict[tuple[str, ...], str] = {
    ("kubelet_identity", "*", "object_id"): "kubeletIdentity.objectId",
    ("identity", "*", "principal_id"): "identity.principalId",
    ("principal_id",): "principalId",
    ("client_id",): "clientId",
    ("login_server",): "loginServer",
    ("output", "properties", "identityProfile", "kubeletidentity", "objectId"): "kubeletIdentity.objectId",
    ("output", "identity", "principalId"): "identity.principalId",
    ("output", "properties", "principalId"): "principalId",
    ("output", "properties", "clientId"): "clientId",
    ("output", "properties", "loginServer"): "loginServer",
}


def runtime_attribute(path: Sequence[str | int | None]) -> str | None:
    """The attribute an attribute path reads (``None``: not one the core resolves).

    ``path`` lists attribute names, and an index step as an int or ``None`` (not evaluated).
    """
    return _PATHS.get(tuple(step if isinstance(step, str) else "*" for step in path))


def stand_in(unknown: Unknown, resource_id: object, path: Sequence[str | int | None]) -> Unknown:
    """``unknown`` as a :class:`RuntimeValue` when ``path`` of the resource ``resource_id`` is one
    the IaC core resolves (same reason: unresolved, it reads exactly as before)."""
    attribute = runtime_attribute(path)
    if attribute is None or not isinstance(resource_id, str):
        return unknown
    return RuntimeValue(unknown.reason, unknown.live_only, resource_id=resource_id, attribute=attribute)


def holds_runtime_values(row: object) -> bool:
    """Whether a translated row holds a :class:`RuntimeValue` (its resource is flagged for the core)."""
    return find_unknown(row, RuntimeValue) is not None
