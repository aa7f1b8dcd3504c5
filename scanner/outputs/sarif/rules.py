"""SARIF rule descriptors (``tool.driver.rules[]``) and the level and security-severity of a severity."""

from __future__ import annotations

from typing import Any

from scanner.engine.rule import Rule
from scanner.results import Finding, Severity, Status

# The project publishes no URL yet (pyproject has no [project.urls]); replace when it does.
INFORMATION_URI = "https://github.com/acr-policy-scanner/acr-policy-scanner"

# GitHub code scanning limits on a rule descriptor ("SARIF support for code scanning" in its docs).
MAX_TAGS = 20
MAX_DESCRIPTION = 1024
MAX_NAME = 255

LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def result_level(finding: Finding) -> str:
    """SARIF level of a result: by severity; an ``unknown`` is at most a warning.

    Unknown means the data was not collected, not that a violation was seen: it is reported
    (fail closed) but never claims to be an error. The gate's exit 3 is the hard signal.
    """
    level = LEVEL[finding.severity]
    if finding.status is Status.UNKNOWN and level == "error":
        return "warning"
    return level


def _pascal(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words)[:MAX_NAME] or "Rule"


def _trim(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _tags(rule: Rule) -> list[str]:
    tags = ["security", "acr", *rule.tags]
    for framework in sorted(rule.frameworks):
        tags += [f"{framework.replace('_', '-')}/{value}" for value in rule.frameworks[framework]]
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def _help(rule: Rule) -> dict[str, str]:
    description = " ".join(rule.description.split())
    text = [description, "", f"Remediation: {rule.remediation_text}"]
    markdown = [description, "", f"**Remediation:** {rule.remediation_text}"]
    if rule.az_template:
        text += ["", f"    {rule.az_template}"]
        markdown += ["", "```sh", rule.az_template, "```"]
    mappings = [f"{k}: {', '.join(v)}" for k, v in sorted(rule.frameworks.items()) if v]
    if mappings:
        text += ["", "Frameworks: " + "; ".join(mappings)]
        markdown += ["", "**Frameworks:** " + "; ".join(mappings)]
    if rule.references:
        text += ["", "References:", *(f"- {r}" for r in rule.references)]
        markdown += ["", "**References:**", "", *(f"- <{r}>" for r in rule.references)]
    return {"text": "\n".join(text), "markdown": "\n".join(markdown)}


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    """``tool.driver.rules[]`` entry with everything GitHub and Multitool ask for."""
    return {
        "id": rule.id,
        "name": _pascal(rule.title),
        "shortDescription": {"text": _trim(rule.title)},
        "fullDescription": {"text": _trim(rule.description)},
        "help": _help(rule),
        "helpUri": rule.references[0] if rule.references else INFORMATION_URI,
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": _tags(rule),
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": rule.precision,
            "severity": rule.severity.value,
            "frameworks": {k: list(v) for k, v in sorted(rule.frameworks.items())},
        },
    }


def stub_descriptor(finding: Finding) -> dict[str, Any]:
    """For a finding whose rule is not in ``result.rules`` (never expected): still valid."""
    title = finding.title or finding.rule_id
    return {
        "id": finding.rule_id,
        "name": _pascal(title),
        "shortDescription": {"text": _trim(title)},
        "fullDescription": {"text": _trim(title)},
        "help": {"text": title, "markdown": title},
        "helpUri": INFORMATION_URI,
        "defaultConfiguration": {"level": LEVEL[finding.severity]},
        "properties": {
            "tags": ["security", "acr"],
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "precision": "high",
            "severity": finding.severity.value,
        },
    }
