"""The one read-only pipeline every client of the collector runs, and the clients built on it.

Every request carries a bearer token and nothing else happens on the way: no retries of the
pipeline's own (retries are the collector's, :mod:`scanner.sources.live.retrying`, bounded by
``--max-retries``/``--max-retry-wait``), no second parse of the body (bodies are read once,
capped, by :mod:`scanner.sources.live.exchange`), and never the management SDKs' default
policy that *registers a resource provider* (a write) when a request answers 409
``MissingSubscriptionRegistration``. ARM lists go through ``azure-mgmt-containerregistry``'s
client with this pipeline in place of its own; Resource Graph and Microsoft Graph through a
plain azure-core ``PipelineClient``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.sources.live.limits import LiveLimits

USER_AGENT = "acr-policy-scanner"


def read_only_policies(credential: Any, scope: str, per_call_policies: Iterable[Any] = ()) -> list[Any]:
    """The pipeline every client of the collector runs: bearer token for ``scope``, no retries of its own."""
    from azure.core.pipeline.policies import (
        BearerTokenCredentialPolicy,
        HeadersPolicy,
        RequestIdPolicy,
        RetryPolicy,
        UserAgentPolicy,
    )

    return [
        RequestIdPolicy(),
        HeadersPolicy({"Accept": "application/json"}),
        UserAgentPolicy(USER_AGENT),
        RetryPolicy(retry_total=0),
        BearerTokenCredentialPolicy(credential, scope),
        *per_call_policies,
    ]


def read_only_client(
    credential: Any, base_url: str, scope: str, limits: LiveLimits, per_call_policies: Iterable[Any] = ()
) -> Any:
    """A ``PipelineClient`` for ``base_url`` that sends bearer tokens for ``scope`` and never retries by itself.

    Used for Resource Graph (the 8.x SDK's ``resources`` operation cannot stream a body, so it
    could not cap one, and lacks ``authorizationScopeFilter``) and Microsoft Graph (no SDK here).
    """
    from azure.core import PipelineClient

    return PipelineClient(
        base_url=base_url,
        policies=read_only_policies(credential, scope, per_call_policies),
        **limits.transport_options(),
    )


def registry_client(
    credential: Any, subscription_id: str, cloud_base: str, scope: str, limits: LiveLimits, per_call: Iterable[Any] = ()
) -> Any:
    """``azure-mgmt-containerregistry``'s client for one subscription, on the read-only pipeline.

    The SDK's own pipeline is replaced (its ``policies`` keyword) because it would register a
    resource provider on a 409; requests go through its public ``send_request``.
    """
    from azure.mgmt.containerregistry import ContainerRegistryManagementClient

    return ContainerRegistryManagementClient(
        credential,
        subscription_id,
        base_url=cloud_base,
        credential_scopes=[scope],
        policies=read_only_policies(credential, scope, per_call),
        **limits.transport_options(),
    )
