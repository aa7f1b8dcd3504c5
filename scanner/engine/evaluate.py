"""Evaluate compiled rules against the inventory's subjects, producing findings.

Subjects of each kind are enumerated once and shared by every rule of that kind.

A verdict resting on data that only exists once deployed (``Unknown.live_only``, an IaC
scan) is ``not_applicable`` with that reason rather than ``unknown``. Pointing an IaC
finding at its file and line is a later pass (:mod:`scanner.placement`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from scanner.engine.getters import NO_BINDINGS, Context
from scanner.engine.rule import Rule
from scanner.engine.template import Template
from scanner.inventory.model import Inventory
from scanner.inventory.subjects.kinds import ENUMERATORS
from scanner.inventory.subjects.subject import Subject
from scanner.results import (
    Finding,
    Location,
    Remediation,
    Severity,
    Status,
    SubjectRef,
)
from scanner.unknown import Unknown


def _remediation(rule: Rule, doc: Mapping[str, Any], bindings: Mapping[str, Any]) -> Remediation:
    template = rule.remediation_az
    command = template.render(doc, rule.params, bindings) if template is not None else None
    return Remediation(rule.remediation_text, command)


def _case(rule: Rule, doc: Mapping[str, Any], ctx: Context) -> tuple[Severity, Template]:
    """Severity and message of a failing subject: the first matching ``severity_when`` case."""
    if not rule.severity_when:
        return rule.severity, rule.message_fail
    saved, ctx.evidence = ctx.evidence, None
    try:
        for condition, severity, message in rule.severity_when:
            if condition.test(doc, ctx) is True:
                return severity, message or rule.message_fail
    finally:
        ctx.evidence = saved
    return rule.severity, rule.message_fail


def subject_location(subject: Subject) -> Location:
    """Where a live finding points: the subject's resource id (none for a whole scope)."""
    return Location(subject.ref.id if subject.ref.kind != "scope" else None)


def evaluate_subject(rule: Rule, subject: Subject, now: datetime, location: Location | None = None) -> Finding:
    """One rule, one subject → one finding (never raises for bad data: that is ``error``)."""
    return rule_runner(rule, now)(subject, subject_location(subject) if location is None else location)


def _without_document(rule: Rule, subject: Subject, location: Location) -> Finding:
    """The finding of a placeholder subject: its data (or the subject itself) is unknown, or n/a."""
    ref = subject.ref
    if subject.unknown is not None:
        if subject.unknown.live_only:
            return _live_only(rule, ref, location, subject.unknown, {})
        message = f"Cannot evaluate for {ref.name}: {subject.unknown.reason}"
        evidence = {"missing": subject.unknown.reason}
        return Finding(rule.id, rule.title, Status.UNKNOWN, rule.severity, message, ref, evidence, None, location)
    message = f"Not applicable to {ref.name}: {subject.not_applicable}"
    return Finding(rule.id, rule.title, Status.NOT_APPLICABLE, rule.severity, message, ref, {}, None, location)


def rule_runner(rule: Rule, now: datetime) -> Callable[[Subject, Location], Finding]:
    """``rule`` bound to the scan time: a function of (subject, location) → finding.

    A rule runs over every subject of its kind, so what is the same for all of them (its
    conditions, messages, id and severity) is looked up once here rather than per subject,
    and one :class:`Context` is reset per subject instead of allocated (conditions only use
    it during the call; each finding gets its own evidence dict).
    """
    rule_id, title, severity, params = rule.id, rule.title, rule.severity, rule.params
    applies_when, fail_when = rule.applies_when, rule.fail_when
    message_pass, message_na = rule.message_pass, rule.message_na
    ctx = Context(now, {})

    def run(subject: Subject, location: Location) -> Finding:
        if subject.unknown is not None or subject.not_applicable is not None:
            if subject.unknown is not None and applies_when is not None:
                # Every field of a placeholder is its gap, so only the parameters can rule the
                # rule out (ACR-047 without allowed regions): not applicable, whatever the data.
                ctx.root, ctx.evidence, ctx.bindings = subject.unknown, None, NO_BINDINGS
                if applies_when.test(subject.unknown, ctx) is False:
                    message = f"Not applicable to {subject.ref.name}: {message_na.render({}, params, NO_BINDINGS)}"
                    return Finding(
                        rule_id, title, Status.NOT_APPLICABLE, severity, message, subject.ref, {}, None, location
                    )
            return _without_document(rule, subject, location)
        ref = subject.ref
        doc = subject.doc
        evidence: dict[str, Any] = {}
        ctx.root = doc
        ctx.evidence = evidence
        ctx.bindings = NO_BINDINGS
        try:
            if applies_when is not None:
                applies = applies_when.test(doc, ctx)
                if isinstance(applies, Unknown):
                    return _unknown(rule, ref, location, applies, ctx)
                if applies is False:
                    message = message_na.render(doc, params, ctx.bindings)
                    status = Status.NOT_APPLICABLE
                    return Finding(rule_id, title, status, severity, message, ref, evidence, None, location)
            verdict = fail_when.test(doc, ctx)
            if isinstance(verdict, Unknown):
                return _unknown(rule, ref, location, verdict, ctx)
            if verdict:
                fail_severity, fail_message = _case(rule, doc, ctx)
                return Finding(
                    rule_id,
                    title,
                    Status.FAIL,
                    fail_severity,
                    fail_message.render(doc, params, ctx.bindings),
                    ref,
                    evidence,
                    _remediation(rule, doc, ctx.bindings),
                    location,
                )
            message = message_pass.render(doc, params, ctx.bindings)
            return Finding(rule_id, title, Status.PASS, severity, message, ref, evidence, None, location)
        except Exception as exc:  # a rule bug must not hide the other findings
            message = f"Rule error for {ref.name}: {type(exc).__name__}: {exc}"
            return Finding(rule_id, title, Status.ERROR, severity, message, ref, {}, None, location)

    return run


def _live_only(rule: Rule, ref: SubjectRef, location: Location, reason: Unknown, evidence: dict[str, Any]) -> Finding:
    evidence["liveOnly"] = reason.reason
    message = f"Not applicable to {ref.name} before deployment: {reason.reason}"
    status = Status.NOT_APPLICABLE
    return Finding(rule.id, rule.title, status, rule.severity, message, ref, evidence, None, location)


def _unknown(rule: Rule, ref: Any, location: Location, reason: Unknown, ctx: Context) -> Finding:
    doc_evidence = dict(ctx.evidence or {})
    if reason.live_only:
        return _live_only(rule, ref, location, reason, doc_evidence)
    doc_evidence["missing"] = reason.reason
    message = f"Cannot evaluate for {ref.name}: {reason.reason}"
    return Finding(rule.id, rule.title, Status.UNKNOWN, rule.severity, message, ref, doc_evidence, None, location)


def _subject_order(subject: Subject) -> str:
    return subject.ref.id.lower()


def evaluate_kinds(rules: Sequence[Rule], inventory: Inventory, now: datetime) -> dict[str, list[Finding]]:
    """Findings per rule id for ``rules``; each kind's subjects are enumerated once, sorted.

    Each subject is run through all the rules of its kind before the next one (rather than
    each rule through all the subjects): its document is then still in the CPU cache for
    the second rule onwards, instead of being fetched from memory once per rule (a scan is
    bound by memory latency, not arithmetic). Each document is dropped as soon as its rules
    have run, so the next one reuses its memory.
    """
    findings: dict[str, list[Finding]] = {}
    by_kind: dict[str, list[Rule]] = {}
    for rule in rules:
        by_kind.setdefault(rule.subject, []).append(rule)
    for kind in sorted(by_kind):
        kind_rules = by_kind[kind]
        runs = [rule_runner(rule, now) for rule in kind_rules]
        outputs: list[list[Finding]] = [[] for _ in kind_rules]
        pending = sorted(ENUMERATORS[kind](inventory), key=_subject_order)
        pending.reverse()  # (popped from the end: first in order first, ties in enumeration order)
        while pending:
            subject = pending.pop()
            location = subject_location(subject)
            for run, out in zip(runs, outputs, strict=True):
                out.append(run(subject, location))
            del subject
        for rule, out in zip(kind_rules, outputs, strict=True):
            findings[rule.id] = out
    return findings


def evaluate(rules: Iterable[Rule], inventory: Inventory, now: datetime) -> list[Finding]:
    """Run every rule over the subjects of its kind; findings sorted by rule id, then subject."""
    ordered = sorted(rules, key=lambda r: r.id)
    per_rule = evaluate_kinds(ordered, inventory, now)
    findings: list[Finding] = []
    for rule in ordered:
        findings.extend(per_rule[rule.id])
    return findings
