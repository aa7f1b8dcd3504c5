"""Build the azure-identity credential for ``--auth``.

``DefaultAzureCredential`` by default; pipelines pick one explicitly so a misconfiguration
fails fast instead of silently trying five other methods. ``environment`` reads the standard
``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID`` and ``AZURE_CLIENT_SECRET`` (or certificate) variables.
TLS trust comes from the system store or ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

from typing import Any

from scanner.errors import InputError
from scanner.sources.live.clouds import Cloud

AUTH_MODES = ("default", "cli", "managed-identity", "environment", "workload-identity")


def make_credential(mode: str, cloud: Cloud) -> Any:
    """A ``TokenCredential`` for ``mode`` that talks to ``cloud``'s authority."""
    from azure import identity

    common: dict[str, Any] = {"authority": cloud.authority_host}
    if not cloud.instance_discovery:
        common["disable_instance_discovery"] = True
    if mode == "default":
        return identity.DefaultAzureCredential(**common)
    if mode == "cli":
        return identity.AzureCliCredential()
    if mode == "managed-identity":
        return identity.ManagedIdentityCredential()
    if mode == "environment":
        return identity.EnvironmentCredential(**common)
    if mode == "workload-identity":
        return identity.WorkloadIdentityCredential(**common)
    raise InputError(f"--auth {mode!r}: expected one of {', '.join(AUTH_MODES)}")
