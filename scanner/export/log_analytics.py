"""``acr-scan export log-analytics``: a scan's findings into a Log Analytics workspace.

Through Azure Monitor's Logs Ingestion API and its official client (``azure-monitor-ingestion``,
which splits the records into requests within the API's size limit, gzips them, and retries
throttled and failed requests), with the azure-identity credential of ``--auth`` and the
audience of ``--cloud``. One record per finding, shaped by the table in docs/log-analytics.md
(the custom table ``AcrScanFindings_CL``, fed by a data collection rule's stream
``Custom-AcrScanFindings_CL``). Records the API refuses after the client's retries are counted
and reported, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

import msgspec

from scanner.errors import ExitCode, InputError, ScannerError


class ExportFailed(ScannerError):
    """The Logs Ingestion API could not be reached or refused the identity (exit 5, as a collection)."""

    exit_code = ExitCode.COLLECTION

#: The record's columns, in the table's order (docs/log-analytics.md lists their types).
COLUMNS = (
    "TimeGenerated",
    "ScanTime",
    "CollectedAt",
    "RuleId",
    "Title",
    "Status",
    "Severity",
    "ResourceId",
    "ResourceName",
    "ResourceKind",
    "SubscriptionId",
    "ResourceGroup",
    "RegistryId",
    "RegistryName",
    "Message",
    "RemediationCommand",
    "FirstSeen",
    "DaysFailing",
    "Regression",
    "ToolVersion",
    "PolicyPackHash",
)


class ExportReport(msgspec.Struct, frozen=True):
    """What was sent: the records, and those the API refused after the client's retries."""

    records: int
    refused: int
    errors: tuple[str, ...]


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def records(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One record per finding of a results document (``acr-scan scan --format json``)."""
    scan: Mapping[str, Any] = _object(document.get("scan"))
    tool: Mapping[str, Any] = _object(document.get("tool"))
    scan_time = _text(scan.get("now"))
    if scan_time is None:
        raise InputError("results: scan.now is missing: not a results file acr-scan wrote")
    out = []
    for finding in document["findings"]:
        if not isinstance(finding, dict) or not isinstance(finding.get("subject"), dict):
            raise InputError("results: a finding is not an object with a subject")
        subject = finding["subject"]
        remediation = _object(finding.get("remediation"))
        out.append(
            {
                "TimeGenerated": scan_time,
                "ScanTime": scan_time,
                "CollectedAt": _text(scan.get("collected_at")),
                "RuleId": _text(finding.get("rule_id")),
                "Title": _text(finding.get("title")),
                "Status": _text(finding.get("status")),
                "Severity": _text(finding.get("severity")),
                "ResourceId": _text(subject.get("id")),
                "ResourceName": _text(subject.get("name")),
                "ResourceKind": _text(subject.get("kind")),
                "SubscriptionId": _text(subject.get("subscription_id")),
                "ResourceGroup": _text(subject.get("resource_group")),
                "RegistryId": _text(subject.get("registry_id")),
                "RegistryName": _text(subject.get("registry_name")),
                "Message": _text(finding.get("message")),
                "RemediationCommand": _text(remediation.get("command")),
                "FirstSeen": _text(finding.get("first_seen")),
                "DaysFailing": finding.get("days_failing") if isinstance(finding.get("days_failing"), int) else None,
                "Regression": finding.get("regression") if isinstance(finding.get("regression"), bool) else None,
                "ToolVersion": _text(tool.get("version")),
                "PolicyPackHash": _text(scan.get("policy_pack_hash")),
            }
        )
    return out


def upload(
    rows: Iterable[dict[str, Any]],
    *,
    endpoint: str,
    rule_id: str,
    stream: str,
    credential: Any,
    audience: str,
    max_retries: int,
) -> ExportReport:
    """Send ``rows`` with the Logs Ingestion client; what it could not deliver is in the report."""
    from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError
    from azure.monitor.ingestion import LogsIngestionClient, LogsUploadError

    listed: list[MutableMapping[str, Any]] = list(rows)
    refused: list[int] = []
    errors: list[str] = []

    def on_error(failure: LogsUploadError) -> None:
        refused.append(len(failure.failed_logs))
        errors.append(_first_line(failure.error))

    client = LogsIngestionClient(
        endpoint, credential, credential_scopes=[f"{audience}/.default"], retry_total=max_retries, logging_enable=False
    )
    try:
        with client:
            client.upload(rule_id, stream, listed, on_error=on_error)
    except ClientAuthenticationError as exc:
        raise ExportFailed(f"Logs Ingestion API at {endpoint}: authentication failed: {_first_line(exc)}") from None
    except (HttpResponseError, AzureError) as exc:
        raise ExportFailed(f"Logs Ingestion API at {endpoint}: {_first_line(exc)}") from None
    return ExportReport(len(listed), sum(refused), tuple(dict.fromkeys(errors)))


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]
