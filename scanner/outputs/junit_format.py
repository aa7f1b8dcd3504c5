"""JUnit XML: one test case per rule and subject, for the test tabs of CI systems.

Azure DevOps (PublishTestResults), GitLab (``artifacts:reports:junit``) and Jenkins group
test cases by ``classname`` and list them by ``name``, so each rule is a class and each
subject a test: ``fail`` is a ``<failure>``, ``unknown``/``error`` an ``<error>`` (the check
could not run), ``not_applicable`` and ``suppressed`` are ``<skipped>``, ``pass`` an empty
test case. There is one ``<testsuite>`` per rule, in rule-pack order.

The document is written with a small streaming writer (not ElementTree): 150,000 findings
render in well under a second and the tree never exists in memory. Every string goes
through :func:`xml_text` / :func:`xml_attr`, which escape markup and drop the characters
XML 1.0 forbids, so a hostile resource name cannot break the document.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO

import orjson

from scanner.outputs import jsonsafe
from scanner.results import Finding, Status
from scanner.scan_result import ScanResult
from scanner.timeutil import format_datetime
from scanner.unknown import Unknown

# Everything outside the XML 1.0 Char production (control characters, lone surrogates,
# U+FFFE/U+FFFF) cannot appear in a document, not even as a character reference.
_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FLUSH_EVERY = 4000


def _clean(value: str) -> str:
    return _ILLEGAL.sub("", value) if _ILLEGAL.search(value) else value


def xml_text(value: str) -> str:
    """``value`` as element content: markup escaped, illegal characters removed."""
    return _clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(value: str) -> str:
    """``value`` as a double-quoted attribute value (whitespace kept as references)."""
    # str.replace returns its input when there is nothing to replace: far faster than translate.
    text = _clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return text.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def _json_default(value: Any) -> Any:
    if isinstance(value, Unknown):  # inside evidence: its fields, as the JSON report writes it
        return jsonsafe.struct_object(value)
    return str(value)


def _evidence_value(value: Any) -> str:
    if isinstance(value, Unknown):
        return f"unknown: {value.reason}"
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, default=_json_default).decode()
    except (TypeError, orjson.JSONEncodeError):
        return repr(value)


def _evidence_lines(evidence: Mapping[str, Any]) -> list[str]:
    return [f"  {path}: {_evidence_value(value)}" for path, value in evidence.items()]


def detail_text(finding: Finding) -> str:
    """The plain-text body of a failure, error or skip: message, subject, evidence, fix."""
    s = finding.subject
    lines = [finding.message, "", f"subject: {s.kind} {s.name}", f"id: {s.id}"]
    if finding.location.file:
        where = finding.location.file + (f":{finding.location.line}" if finding.location.line else "")
        lines.append(f"file: {where}")
    if finding.evidence:
        lines += ["evidence:", *_evidence_lines(finding.evidence)]
    if finding.suppression is not None:
        expires = f" (expires {finding.suppression.expires})" if finding.suppression.expires else ""
        lines.append(f"suppressed: {finding.suppression.justification}{expires}")
    if finding.remediation is not None and finding.status is not Status.SUPPRESSED:
        if finding.remediation.text:
            lines.append(f"remediation: {finding.remediation.text.strip()}")
        if finding.remediation.command:
            lines.append(f"fix: {finding.remediation.command}")
    return "\n".join(lines)


def _case_names(findings: list[Finding]) -> list[str]:
    """``name (kind)`` per finding; the subject id where a name is not unique in the rule."""
    names = [f"{f.subject.name} ({f.subject.kind})" for f in findings]
    repeated = {n for n, c in Counter(names).items() if c > 1}
    return [f"{n} {f.subject.id}" if n in repeated else n for n, f in zip(names, findings, strict=True)]


def _suite_counts(findings: Iterable[Finding]) -> tuple[int, int, int, int]:
    counts = Counter(f.status for f in findings)
    failures = counts[Status.FAIL]
    errors = counts[Status.UNKNOWN] + counts[Status.ERROR]
    skipped = counts[Status.NOT_APPLICABLE] + counts[Status.SUPPRESSED]
    return sum(counts.values()), failures, errors, skipped


def _testcase(finding: Finding, name: str) -> str:
    head = f'<testcase classname="{xml_attr(finding.rule_id)}" name="{xml_attr(name)}" time="0"'
    if finding.location.file:
        head += f' file="{xml_attr(finding.location.file)}"'
        if finding.location.line:
            head += f' line="{finding.location.line}"'
    status = finding.status
    if status is Status.PASS:
        return head + "/>\n"
    if status is Status.FAIL:
        tag, extra = "failure", f' type="{xml_attr(finding.severity.value)}"'
    elif status in (Status.UNKNOWN, Status.ERROR):
        tag, extra = "error", f' type="{status.value}"'
    else:
        # JUnit's <skipped> carries a message only; the justification goes in it.
        reason = finding.message
        if status is Status.SUPPRESSED and finding.suppression is not None:
            reason = f"suppressed: {finding.suppression.justification}"
        elif status is Status.NOT_APPLICABLE:
            reason = f"not applicable: {finding.message}"
        return f'{head}>\n  <skipped message="{xml_attr(reason)}"/>\n</testcase>\n'
    return (
        f'{head}>\n  <{tag} message="{xml_attr(finding.message)}"{extra}>'
        f"{xml_text(detail_text(finding))}</{tag}>\n</testcase>\n"
    )


class JunitFormat:
    """``--format junit``."""

    name = "junit"
    extension = ".xml"
    default_filename = "junit.xml"

    def write(self, result: ScanResult, stream: BinaryIO) -> None:
        by_rule: dict[str, list[Finding]] = defaultdict(list)
        for finding in result.findings:
            by_rule[finding.rule_id].append(finding)
        titles = {r.id: r.title for r in result.rules}
        order = [r.id for r in result.rules if r.id in by_rule]
        order += sorted(set(by_rule) - set(order))
        meta = result.metadata
        timestamp = xml_attr(format_datetime(meta.now))
        tests, failures, errors, skipped = _suite_counts(result.findings)
        stream.write(
            (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<testsuites name="acr-policy-scanner" tests="{tests}" failures="{failures}" '
                f'errors="{errors}" skipped="{skipped}" time="0" timestamp="{timestamp}">\n'
            ).encode()
        )
        parts: list[str] = []
        pending = 0
        for suite_id, rule_id in enumerate(order):
            findings = by_rule[rule_id]
            n, f, e, s = _suite_counts(findings)
            title = titles.get(rule_id) or findings[0].title
            parts.append(
                f'<testsuite id="{suite_id}" name="{xml_attr(f"{rule_id} {title}")}" tests="{n}" '
                f'failures="{f}" errors="{e}" skipped="{s}" time="0" timestamp="{timestamp}">\n'
                f'<properties><property name="rule" value="{xml_attr(rule_id)}"/>'
                f'<property name="tool_version" value="{xml_attr(meta.tool_version)}"/>'
                f'<property name="source" value="{xml_attr(meta.source)}"/></properties>\n'
            )
            for finding, case_name in zip(findings, _case_names(findings), strict=True):
                parts.append(_testcase(finding, case_name))
                pending += 1
                if pending >= _FLUSH_EVERY:
                    stream.write("".join(parts).encode())
                    parts.clear()
                    pending = 0
            parts.append("</testsuite>\n")
        parts.append("</testsuites>\n")
        stream.write("".join(parts).encode())
