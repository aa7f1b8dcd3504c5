"""The records of a probe: what is probed (:class:`Target`) and what each step found.

Frozen ``msgspec.Struct``s (docs/decisions/0013): the JSON report is their msgspec encoding,
and a step's evidence is plain JSON data, never a token.
"""

from __future__ import annotations

from typing import Any

import msgspec

STEPS: tuple[str, ...] = ("dns", "tls", "challenge", "token")
STATUSES: tuple[str, ...] = ("ok", "fail", "unknown", "skipped")
SCHEMA_VERSION = 1


class Expected(msgspec.Struct, frozen=True, gc=False):
    """What the snapshot says about one registry's data plane (``known`` false without a snapshot)."""

    known: bool = False
    registry_name: str = ""
    resource_group: str = ""
    public_access: str = "unknown"  # disabled | firewalled | open | unknown
    ip_rules: tuple[str, ...] = ()
    # fully qualified name → the private endpoint addresses it should resolve to
    private_ips: dict[str, tuple[str, ...]] = {}
    zone_resource_group: str = ""  # where a privatelink.azurecr.io zone lives (for the fixes)
    anonymous_pull: bool = False


class Prediction(msgspec.Struct, frozen=True, gc=False):
    """What the control plane predicts for this runner, per step (``None``: no prediction)."""

    dns: str | None = None
    dns_private: bool | None = None  # True: names resolve privately from the runner's VNet
    challenge: str | None = None
    challenge_status: int | None = None  # 401 or 403
    token: str | None = None
    # the registry's access model (scanner.inventory.access_paths.RegistryAccess): the token step
    # predicts from it once the Entra token says who the runner is (its ``oid``)
    access: Any = None


class Target(msgspec.Struct, frozen=True, gc=False):
    """One registry to probe: the host to reach, the names to resolve, what is expected."""

    login_server: str  # host name, lower-case, no port
    port: int
    data_endpoints: tuple[str, ...] = ()
    expected: Expected = Expected()
    prediction: Prediction = Prediction()
    notes: tuple[str, ...] = ()  # e.g. why the data endpoints are not known

    @property
    def label(self) -> str:
        """The registry as reports name it: ``host`` or ``host:port``."""
        return self.login_server if self.port == 443 else f"{self.login_server}:{self.port}"

    @property
    def name(self) -> str:
        """The registry's resource name (the login server's first label without a snapshot)."""
        return self.expected.registry_name or self.login_server.split(".", 1)[0]


class StepResult(msgspec.Struct, frozen=True, gc=False):
    """One step's verdict for one registry."""

    step: str
    status: str
    cause: str
    fix: str | None = None
    evidence: dict[str, Any] = {}
    predicted: str | None = None  # the control plane's prediction, when a snapshot was given
    agrees: bool | None = None  # whether the observation matches the prediction
    notes: tuple[str, ...] = ()  # warnings that do not fail the step (interception proxy, expiry soon)


class RegistryProbe(msgspec.Struct, frozen=True, gc=False):
    """Every step's verdict for one registry, in step order."""

    registry: str
    steps: tuple[StepResult, ...]


class ProbeReport(msgspec.Struct, frozen=True, gc=False):
    """The whole probe: the JSON report is this, encoded (scanner/schemas/probe.schema.json)."""

    schema_version: int
    registries: tuple[RegistryProbe, ...]
    snapshot: str | None = None
    vnet: str | None = None
    dns_server: str | None = None

    def statuses(self) -> list[str]:
        return [step.status for reg in self.registries for step in reg.steps]


def skipped(step: str, why: str) -> StepResult:
    """A step that did not run, and why (not chosen, or nothing to run it on)."""
    return StepResult(step, "skipped", why)
