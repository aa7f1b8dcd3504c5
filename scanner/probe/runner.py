"""Run the steps for every registry, registries concurrently, each registry's steps in order.

Each step's outcome decides whether the next can run (no address, no TLS, no challenge), and
a step that cannot run says which earlier one stopped it. A bug inside a step is still a
verdict (``unknown``, naming the error) so one odd registry never costs the whole report; set
``ACR_SCAN_DEBUG=1`` to get the traceback instead.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import dns.resolver

from scanner.probe.challenge_step import Challenge, challenge_step
from scanner.probe.dns_step import dns_step, resolve_all
from scanner.probe.model import SCHEMA_VERSION, STEPS, ProbeReport, RegistryProbe, StepResult, Target, skipped
from scanner.probe.resolve import Lookup
from scanner.probe.tls_step import tls_step
from scanner.probe.token_step import NoEntraToken, TokenProbe

MAX_WORKERS = 64  # network waits, not CPU: enough to overlap 200 registries' round trips


class ProbeSettings(NamedTuple):
    steps: tuple[str, ...]
    timeout: float
    expect_private: bool = False
    repository: str | None = None
    vnet: str | None = None


def _guarded(step: str, run: Callable[[], StepResult]) -> StepResult:
    try:
        return run()
    except Exception as exc:  # a bug, reported as a verdict (see the module docstring)
        if os.environ.get("ACR_SCAN_DEBUG"):
            raise
        return StepResult(step, "unknown", f"the probe failed internally: {type(exc).__name__}: {str(exc)[:200]}")


class Prober:
    """Everything shared by the registries of one probe: resolver, TLS trust, Entra token."""

    def __init__(
        self,
        settings: ProbeSettings,
        resolver: dns.resolver.Resolver,
        context: ssl.SSLContext,
        entra: Callable[[], str],
    ) -> None:
        self.settings, self.resolver, self.context, self._entra = settings, resolver, context, entra
        self._lock = threading.Lock()
        self._token: str | None = None
        self._failure: str | None = None

    def entra_token(self) -> str:
        """The Entra token, asked for once for all registries (a failure is remembered too)."""
        with self._lock:
            if self._token is None and self._failure is None:
                try:
                    self._token = self._entra()
                except NoEntraToken as exc:
                    self._failure = str(exc)
            if self._token is None:
                raise NoEntraToken(self._failure or "no token")
            return self._token

    def probe(self, target: Target) -> RegistryProbe:
        chosen = self.settings.steps
        results: dict[str, StepResult] = {}
        # The connecting steps need only the login server's address; the DNS step judges every name.
        found: list[Lookup] = resolve_all(
            target if "dns" in chosen else Target(target.login_server, target.port), self.resolver
        )
        if "dns" in chosen:
            results["dns"] = _guarded(
                "dns", lambda: dns_step(target, found, self.settings.expect_private, self.settings.vnet)
            )
        address = found[0].addresses[0] if found and found[0].addresses else None
        blocked = None if address else f"not run: {target.login_server} did not resolve"
        timeout = self.settings.timeout
        if "tls" in chosen:
            results["tls"] = blocked_or(blocked, "tls", lambda: tls_step(target, address or "", self.context, timeout))
            if results["tls"].status == "fail":
                blocked = "not run: the TLS step failed"
        challenge: Challenge | None = None
        if "challenge" in chosen or "token" in chosen:
            outcome: list[Challenge | None] = [None]

            def run_challenge() -> StepResult:
                result, outcome[0] = challenge_step(target, address or "", self.context, timeout)
                return result

            results["challenge"] = blocked_or(blocked, "challenge", run_challenge)
            challenge = outcome[0]
            if challenge is None and blocked is None:
                blocked = "not run: no Bearer challenge to follow (see the challenge step)"
        if "token" in chosen:
            repo = self.settings.repository
            if challenge is not None:
                probe = TokenProbe(target, address or "", self.context, timeout, self.entra_token)
                results["token"] = _guarded("token", lambda: probe.run(challenge, repo))
            else:
                results["token"] = skipped("token", blocked or "not run")
        steps = tuple(results[s] if s in chosen else skipped(s, "not chosen (--steps)") for s in STEPS)
        return RegistryProbe(target.label, steps)


def blocked_or(blocked: str | None, step: str, run: Callable[[], StepResult]) -> StepResult:
    return skipped(step, blocked) if blocked else _guarded(step, run)


def probe_all(prober: Prober, targets: Sequence[Target], **report: str | None) -> ProbeReport:
    """Every target probed, concurrently, in the order given."""
    workers = max(1, min(MAX_WORKERS, len(targets)))
    with ThreadPoolExecutor(workers, thread_name_prefix="probe") as pool:
        probes = tuple(pool.map(prober.probe, targets))
    return ProbeReport(SCHEMA_VERSION, probes, **report)
