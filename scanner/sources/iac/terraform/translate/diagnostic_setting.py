"""``azurerm_monitor_diagnostic_setting`` → a diagnostic setting row (logs, metrics, destinations).

Logs come from ``enabled_log`` (azurerm 4.x) or ``log`` (3.x); the id is the target's id with
the setting's name, like Azure's (docs/iac-terraform.md, "Resources and their rows").
"""

from __future__ import annotations

from typing import Any

from scanner.sources.iac.terraform.translate import rows
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance, TranslatedRow
from scanner.unknown import Unknown


def translate_diagnostic_setting(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The diagnostic setting row (logs default to enabled)."""
    a = inst.attrs
    row: dict[str, Any] = {
        "id": rid,
        "name": a.get("name"),
        "type": "Microsoft.Insights/diagnosticSettings",
    }
    logs: list[dict[str, Any]] | Unknown = []
    src: dict[str, AttrPath] = {"properties.workspaceId": ("log_analytics_workspace_id",)}
    for attr in ("enabled_log", "log"):
        blocks = rows.block_list(a.get(attr))
        if isinstance(blocks, Unknown):
            logs = blocks
            src["properties.logs"] = (attr,)
            break
        assert not isinstance(logs, Unknown)
        for block in blocks:
            enabled = rows.as_bool(block.get("enabled"), True, f"{inst.address}.{attr}.enabled")
            logs.append(
                {
                    "category": block.get("category"),
                    "categoryGroup": block.get("category_group"),
                    "enabled": enabled,
                }
            )
        if blocks:
            src["properties.logs"] = (attr,)
    metrics: list[dict[str, Any]] | Unknown = []
    for attr in ("enabled_metric", "metric"):
        blocks = rows.block_list(a.get(attr))
        if isinstance(blocks, Unknown):
            metrics = blocks
            break
        assert not isinstance(metrics, Unknown)
        for block in blocks:
            enabled = rows.as_bool(block.get("enabled"), True, f"{inst.address}.{attr}.enabled")
            metrics.append({"category": block.get("category"), "enabled": enabled})
    props: dict[str, Any] = {"logs": logs, "metrics": metrics}
    for attr, key in (
        ("log_analytics_workspace_id", "workspaceId"),
        ("storage_account_id", "storageAccountId"),
        ("eventhub_authorization_rule_id", "eventHubAuthorizationRuleId"),
        ("eventhub_name", "eventHubName"),
        ("log_analytics_destination_type", "logAnalyticsDestinationType"),
        ("partner_solution_id", "marketplacePartnerId"),
    ):
        rows.put(props, key, a.get(attr))
    row["properties"] = props
    return [TranslatedRow(row, inst, src)]
