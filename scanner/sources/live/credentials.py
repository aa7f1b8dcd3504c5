"""Build the azure-identity credential for ``--auth``.

``DefaultAzureCredential`` by default; pipelines pick one explicitly so a misconfiguration
fails fast instead of silently trying five other methods. ``environment`` reads the standard
``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID`` and ``AZURE_CLIENT_SECRET`` (or certificate) variables.
TLS trust comes from the system store or ``REQUESTS_CA_BUNDLE``.

Every credential's requests carry ``--request-timeout``, and the credential is wrapped in a
:class:`GuardedCredential`, which retries within ``--max-retries`` / ``--max-retry-wait`` and
says why a token could not be had (the SDK's own retries are off, so the two never stack).
"""

from __future__ import annotations

import math
from typing import Any

from scanner.errors import InputError
from scanner.sources.live.capped_session import capped_session
from scanner.sources.live.clock import SYSTEM_CLOCK, Clock
from scanner.sources.live.clouds import Cloud
from scanner.sources.live.diagnostics import CollectionFailed
from scanner.sources.live.failures import one_line
from scanner.sources.live.limits import LiveLimits
from scanner.sources.live.token_guard import GuardedCredential, TrafficNotes

AUTH_MODES = ("default", "cli", "managed-identity", "environment", "workload-identity")


def _inner_credential(mode: str, cloud: Cloud, limits: LiveLimits, notes: TrafficNotes) -> Any:
    from azure import identity

    transport: dict[str, Any] = {**limits.transport_options(), **notes.hooks(), "session": capped_session()}
    process_timeout = math.ceil(limits.request_timeout)  # the Azure CLI's own timeout, whole seconds
    common: dict[str, Any] = {"authority": cloud.authority_host, "retry_total": 0, **transport}
    if not cloud.instance_discovery:
        common["disable_instance_discovery"] = True
    if mode == "default":
        return identity.DefaultAzureCredential(process_timeout=process_timeout, **common)
    if mode == "cli":
        return identity.AzureCliCredential(process_timeout=process_timeout)
    if mode == "managed-identity":
        return identity.ManagedIdentityCredential(**transport)  # IMDS keeps its own bounded retries
    if mode == "environment":
        return identity.EnvironmentCredential(**common)
    if mode == "workload-identity":
        return identity.WorkloadIdentityCredential(**common)
    raise InputError(f"--auth {mode!r}: expected one of {', '.join(AUTH_MODES)}")


def make_credential(
    mode: str, cloud: Cloud, limits: LiveLimits | None = None, clock: Clock = SYSTEM_CLOCK
) -> GuardedCredential:
    """A ``TokenCredential`` for ``mode`` that talks to ``cloud``'s authority within ``limits`` (waits on ``clock``)."""
    bounds = limits or LiveLimits()
    notes = TrafficNotes()
    try:
        inner = _inner_credential(mode, cloud, bounds, notes)
    except (ValueError, TypeError) as exc:  # azure-identity refuses a configuration it cannot use
        raise CollectionFailed(f"--auth {mode}: {one_line(str(exc))}") from None
    return GuardedCredential(inner, cloud.authority_host, bounds, notes, chained=mode == "default", clock=clock)
