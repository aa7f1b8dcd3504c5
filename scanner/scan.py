"""The scanner core: config + rules + a source in, a :class:`ScanResult` out.

Knows nothing of the command line (pip-audit's ``_audit.py`` is the model): the CLI, tests
and future callers (a live collection, an IaC gate) drive the same function.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from scanner import __version__
from scanner.config import Config, check_rule_ids
from scanner.engine.evaluate import evaluate
from scanner.engine.loader import RuleSpec, load_rules, policy_pack_hash
from scanner.engine.rule import Rule, compile_rule
from scanner.inventory.build import build_inventory
from scanner.placement import place_findings
from scanner.scan_result import ScanMetadata, ScanResult
from scanner.sources.base import Source
from scanner.suppress import apply_suppressions
from scanner.timeutil import parse_datetime


def select_specs(
    specs: Sequence[RuleSpec],
    config: Config,
    only: Iterable[str] = (),
    exclude: Iterable[str] = (),
    enable: Iterable[str] = (),
) -> list[RuleSpec]:
    """Apply ``rules.include``/``exclude``/``enable`` from the config and the ``--rules``/
    ``--exclude``/``--enable`` flags.

    Without an include list, every rule runs but those marked ``default_enabled: false``;
    ``enable`` adds those, an include list names exactly what runs (an off-by-default rule
    included), and exclusions win over both.
    """
    only, exclude, enable = tuple(only), tuple(exclude), tuple(enable)
    check_rule_ids(config, (s.id for s in specs), {"--rules": only, "--exclude": exclude, "--enable": enable})
    include = set(only or config.include)
    enabled = set(enable) | set(config.enable)
    dropped = set(exclude) | set(config.exclude)

    def wanted(spec: RuleSpec) -> bool:
        if spec.id in enabled:
            return True
        return spec.id in include if include else spec.data.get("default_enabled", True) is not False

    return [s for s in specs if wanted(s) and s.id not in dropped]


def compile_rules(specs: Iterable[RuleSpec], config: Config) -> list[Rule]:
    """Compile each selected rule with the user's parameter and severity overrides."""
    return [compile_rule(s, config.parameters.get(s.id), config.severities.get(s.id)) for s in specs]


def prepare_rules(
    config: Config,
    policy_dirs: Iterable[Path] = (),
    only: Iterable[str] = (),
    exclude: Iterable[str] = (),
    enable: Iterable[str] = (),
) -> tuple[list[Rule], str]:
    """Load, select and compile the rule pack; return it with the pack hash."""
    specs = load_rules([*config.policy_dirs, *policy_dirs])
    selected = select_specs(specs, config, only, exclude, enable)
    return compile_rules(selected, config), policy_pack_hash(selected)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the scan allocates its (acyclic) objects; on the
    way out, freeze what is alive (``gc.freeze``) and restore the collector's enabled state.

    A 5,000-registry scan creates millions of small objects; the collector's passes over them
    would free nothing, during the scan or while the reports are written. Frozen objects are
    still freed when their last reference goes; only the collector no longer walks them, until
    :func:`result_released` (or ``gc.unfreeze``) gives them back.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


@contextmanager
def result_released() -> Iterator[None]:
    """Around holding a scan's result: once it is dropped, unfreeze what the scan froze, so a
    cycle that was garbage when the scan ended is collected like any other."""
    try:
        yield
    finally:
        gc.unfreeze()


def run_scan(source: Source, rules: Sequence[Rule], pack_hash: str, config: Config, now: datetime | None) -> ScanResult:
    """Load the source, build the inventory, evaluate, apply suppressions."""
    with _collector_paused():
        return _run_scan(source, rules, pack_hash, config, now)


def _run_scan(
    source: Source, rules: Sequence[Rule], pack_hash: str, config: Config, now: datetime | None
) -> ScanResult:
    raw = source.load()
    collected_at = parse_datetime(raw.data["collectedAt"])
    scan_time = now or collected_at
    origin, tenant_id, scope = raw.origin, raw.data.get("tenantId"), raw.data.get("scope") or {}
    declarations = raw.declarations
    inventory = build_inventory(
        raw.data,
        scan_time,
        declarations.live_only if declarations else None,
        declarations.co_declared if declarations else None,
        config.expected_pulls,
    )
    del raw  # the inventory keeps what rules need; the raw rows' memory is reused for the findings
    findings = evaluate(rules, inventory, scan_time)
    if declarations is not None:
        findings = place_findings(findings, declarations.resources)
    findings, report = apply_suppressions(findings, config.suppressions, scan_time.date())
    return ScanResult(
        findings=tuple(findings),
        rules=tuple(rules),
        metadata=ScanMetadata(
            tool_version=__version__,
            policy_pack_hash=pack_hash,
            now=scan_time,
            collected_at=collected_at,
            source=origin,
            tenant_id=tenant_id,
            scope=scope,
            config_source=config.source,
        ),
        coverage_errors=inventory.coverage.errors,
        suppressions=report,
        inventory=inventory,
    )
