"""Where each resource of an IaC scan is declared: what every IaC reader produces beside the rows.

Each reader translates its resources into the *live* payload shape (an ARM / Resource Graph
row: ``id``, ``name``, ``type``, ``location``, ``sku``, ``properties`` …, original casing), so
the inventory, the relations and every rule work unchanged before deployment. A value the
reader cannot resolve is an :class:`scanner.unknown.Unknown` carrying the expression, so a
rule that needs it reports ``unknown`` instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from scanner.unknown import Unknown


class InlineSuppression(msgspec.Struct, frozen=True):
    """``# acr-scan:ignore ACR-001 reason`` in .tf, or a ``metadata`` entry in an ARM resource."""

    rule_id: str
    reason: str
    line: int | None = None


class ModuleCall(msgspec.Struct, frozen=True):
    """A Terraform ``module`` block instance that a declaration is reached through."""

    address: str  # module.containerregistry, module.outer["k"].module.inner
    file: str
    line: int


#: How the object id of an identity Azure creates at deployment starts in an IaC scan
#: (``iac-principal:<lower-cased resource id>/<identity>``, :mod:`scanner.sources.iac.workloads`).
PLACEHOLDER_PRINCIPAL = "iac-principal:"

#: What :class:`RuntimeValue` can stand for, each only on a resource of the types named: the
#: identities a workload pulls with (and the one login server) are assigned by Azure when the
#: resource is created, yet the files refer to them (docs/iac.md, "Workloads and the identities they pull with").
RUNTIME_ATTRIBUTES = {
    "kubeletIdentity.objectId": ("microsoft.containerservice/managedclusters",),
    "identity.principalId": (),  # a system-assigned identity: any type that declares one
    "principalId": ("microsoft.managedidentity/userassignedidentities",),
    "clientId": ("microsoft.managedidentity/userassignedidentities",),
    "loginServer": ("microsoft.containerregistry/registries",),
}


class RuntimeValue(Unknown, frozen=True):
    """A reader's stand-in for a value Azure assigns at deployment to a resource it names by id.

    ``attribute`` is a key of :data:`RUNTIME_ATTRIBUTES` (the kubelet identity's object id of a
    cluster, the principal id of a system- or user-assigned identity ...). Only the IaC core
    turns it into a value: when ``resource_id`` is declared in the files (and workloads are),
    into the placeholder the workload's own row carries, so the role assignment joins the
    identity as it will once deployed; otherwise into ``fallback`` (what the row held before this
    stand-in existed: ``None`` for a plain :class:`Unknown` with this reason). A row holding one
    is flagged (:attr:`IacResource.runtime_values`); none ever reaches the inventory.
    """

    resource_id: str = ""
    attribute: str = ""
    fallback: Any = None


# The row ``type`` of a module whose code could not be read (not downloaded): the IaC core turns
# it into a coverage gap scoped to the module (its ``id``), with the row's ``message``, so the
# scan cannot pass on what it did not see.
UNREAD_MODULE = "acr-scan/unreadModule"


class IacResource(msgspec.Struct, frozen=True):
    """One declared resource, already in its ARM row shape, and where it was declared.

    ``file`` is relative to the repository root (never to the scanned folder), so SARIF
    annotations land on the pull request diff. ``property_lines`` maps a property path in
    the row (``properties.adminUserEnabled``) to its own line when the reader knows it.
    """

    row: Mapping[str, Any]
    file: str
    line: int
    property_lines: Mapping[str, int] = msgspec.field(default_factory=dict)
    suppressions: tuple[InlineSuppression, ...] = ()
    address: str | None = None  # Terraform address or ARM symbolic name, for messages
    module_calls: tuple[ModuleCall, ...] = ()  # the Terraform module calls it is declared through, outermost first
    runtime_values: bool = False  # the row holds RuntimeValue stand-ins (only the IaC core resolves them)


class Declarations(msgspec.Struct, frozen=True):
    """What an IaC source knows beyond the snapshot document: where each resource is declared,
    and which lists only exist once deployed.

    ``resources`` maps a lower-cased resource id to its declaration (findings about it point
    there); ``live_only`` maps a list name to why it cannot exist before deployment (rules
    resting on it are ``not_applicable`` instead of ``unknown``); ``files`` are the files read,
    relative to the repository root; ``co_declared`` maps the lower-cased id of a declared AKS
    cluster to the lower-cased ids of the registries declared in the same deployment (a
    template with what it deploys, a Terraform root module or plan): the registries it is
    expected to pull from when its kubelet identity is given pull on none (AKS names none).
    """

    resources: Mapping[str, IacResource]
    live_only: Mapping[str, str]
    files: tuple[str, ...] = ()
    co_declared: Mapping[str, tuple[str, ...]] = msgspec.field(default_factory=dict)
