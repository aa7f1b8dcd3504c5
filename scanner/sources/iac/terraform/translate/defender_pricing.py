"""``azurerm_security_center_subscription_pricing``: a subscription's Microsoft Defender for Cloud plan.

The row is what ``Pricings - Get`` returns (``pricingTier``, ``subPlan``, ``extensions[]`` with
``isEnabled`` as the strings ``True``/``False``). azurerm enables exactly the ``extension`` blocks
it is given ("If an extension is not defined, it will not be enabled"), so the extension that
scans registry images reads ``False`` when a known extension list leaves it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.sources.iac.terraform.translate import rows
from scanner.sources.iac.terraform.translate.rows import TfInstance, TranslatedRow
from scanner.unknown import Unknown

PRICING_TYPE = "Microsoft.Security/pricings"
#: The Containers plan's extension that scans registry images (scanner/inventory/defender.py).
SCAN_EXTENSION = "ContainerRegistriesVulnerabilityAssessments"


def plan_name(value: Any) -> Any:
    """``resource_type``, the plan's name (azurerm's default: ``VirtualMachines``)."""
    return "VirtualMachines" if value is None else value


def _extensions(value: Any, plan: Any) -> list[Any] | Unknown:
    blocks = rows.block_list(value)
    if isinstance(blocks, Unknown):
        return blocks
    out: list[Any] = []
    for block in blocks:
        entry: dict[str, Any] = {"name": block.get("name"), "isEnabled": "True"}
        extra = block.get("additional_extension_properties")
        if isinstance(extra, Mapping | Unknown):
            entry["additionalExtensionProperties"] = dict(extra) if isinstance(extra, Mapping) else extra
        out.append(entry)
    names = {str(e["name"]).lower() for e in out if isinstance(e["name"], str)}
    if any(not isinstance(e["name"], str) for e in out):
        return out  # an extension whose name is unknown may be the scanning one: leave it to the inventory
    if isinstance(plan, str) and plan.lower() == "containers" and SCAN_EXTENSION.lower() not in names:
        out.append({"name": SCAN_EXTENSION, "isEnabled": "False"})
    return out


def translate_pricing(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The plan row, under the subscription (the placeholder one before deployment)."""
    plan = plan_name(inst.attrs.get("resource_type"))
    props, src = rows.renamed(inst.attrs, {"pricingTier": "tier", "subPlan": "subplan"})
    props["extensions"] = _extensions(inst.attrs.get("extension"), plan)
    row: dict[str, Any] = {"id": rid, "name": plan, "type": PRICING_TYPE, "properties": props}
    return [TranslatedRow(row, inst, {**src, "name": ("resource_type",), "properties.extensions": ("extension",)})]
