"""The live collector pointed at an emulator from inside the test process.

:func:`live_env` sets what ``--auth environment`` reads and writes a cloud file naming the
emulator; :func:`collect_on` runs the collector itself (the real credential, the real SDK
clients) with a :class:`~tests.emulator.clock.FakeClock`, so the quota and ``Retry-After``
waits of a throttled tenant are asked for, recorded and checked, but never waited.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.inventory.principals import principals_holding_registry_roles
from scanner.sources.live.clock import Clock
from scanner.sources.live.clouds import load_cloud
from scanner.sources.live.collector import collect
from scanner.sources.live.credentials import make_credential
from scanner.sources.live.limits import LiveLimits
from scanner.sources.live.query_results import Scope
from tests.emulator.server import AzureEmulator


@contextlib.contextmanager
def live_env(emu: AzureEmulator, directory: Path, trust: bool = True) -> Iterator[Path]:
    """The credential's environment variables and a cloud file for the emulator, restored after.

    ``trust``: whether ``REQUESTS_CA_BUNDLE`` names the emulator's CA (else no CA bundle is set).
    """
    cloud = directory / "emulator-cloud.yaml"
    cloud.write_text(
        f"name: emulator\nresource_manager: {emu.base_url}\nmicrosoft_graph: {emu.base_url}\n"
        f"authority_host: {emu.base_url}\n"
    )
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE",
            "AZURE_CLIENT_CERTIFICATE_PATH",
            "AZURE_FEDERATED_TOKEN_FILE",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("AZURE_TENANT_ID", emu.tenant_id)
        patch.setenv("AZURE_CLIENT_ID", emu.client_id)
        patch.setenv("AZURE_CLIENT_SECRET", emu.client_secret)
        if trust:
            patch.setenv("REQUESTS_CA_BUNDLE", emu.ca_path)
        yield cloud


def collect_on(
    emu: AzureEmulator,
    directory: Path,
    clock: Clock,
    scope: Scope | None = None,
    limits: LiveLimits | None = None,
    shard: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """The snapshot the collector reads from ``emu`` (whole tenant by default; with ``shard``
    (K, N), its K-th part of N), waiting on ``clock``."""
    bounds = limits or LiveLimits()
    with live_env(emu, directory) as cloud_file:
        cloud = load_cloud(str(cloud_file))
        credential = make_credential("environment", cloud, bounds, clock)
        try:
            return collect(
                credential,
                cloud,
                scope or Scope(),
                principals_of=principals_holding_registry_roles,
                tenant_id=emu.tenant_id,
                clock=clock,
                limits=bounds,
                shard=shard,
            )
        finally:
            credential.close()
