"""The one kind of HTTP client the collector uses: azure-core, a bearer token, and nothing else.

Resource Graph, ARM and Microsoft Graph are all read through a plain ``PipelineClient`` rather
than the management SDKs' clients, whose pipelines add a policy that *registers a resource
provider* (a write) when a request answers 409 ``MissingSubscriptionRegistration``, a policy
that parses every body a second time, and retries that sleep for any ``Retry-After``. Here
retries are the collector's own (:mod:`scanner.sources.live.retrying`), bodies are decoded once
(:mod:`scanner.sources.live.bodies`), and every request has ``--request-timeout``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.sources.live.limits import LiveLimits

USER_AGENT = "acr-policy-scanner"


def read_only_client(
    credential: Any, base_url: str, scope: str, limits: LiveLimits, per_call_policies: Iterable[Any] = ()
) -> Any:
    """A ``PipelineClient`` for ``base_url`` that sends bearer tokens for ``scope`` and never retries by itself."""
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import (
        BearerTokenCredentialPolicy,
        HeadersPolicy,
        RequestIdPolicy,
        RetryPolicy,
        UserAgentPolicy,
    )

    return PipelineClient(
        base_url=base_url,
        policies=[
            RequestIdPolicy(),
            HeadersPolicy({"Accept": "application/json"}),
            UserAgentPolicy(USER_AGENT),
            RetryPolicy(retry_total=0),
            BearerTokenCredentialPolicy(credential, scope),
            *per_call_policies,
        ],
        **limits.transport_options(),
    )
