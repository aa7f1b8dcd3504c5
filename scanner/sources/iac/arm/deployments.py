"""Nested deployments (``Microsoft.Resources/deployments``): which template they deploy, where, with what.

The template is inline (``template``) or linked (``templateLink.relativePath``, next to the
file). It is evaluated in the outer scope (the parent's parameters and variables) or, with
``expressionEvaluationOptions.scope: inner`` and always for a linked template, in its own
scope with the ``parameters`` the deployment passes; ``resourceGroup`` and ``subscriptionId``
move the resources it deploys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Target
from scanner.sources.iac.arm.expressions.evaluator import evaluate_value
from scanner.sources.iac.arm.expressions.scope import Env, Scope
from scanner.sources.iac.arm.expressions.values import Unresolved
from scanner.sources.iac.arm.files import LinkedTemplates, TemplateFile
from scanner.sources.iac.arm.properties import as_text
from scanner.sources.iac.arm.resource_ids import symbols_located, template_level
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.sources.iac.ids import DEFAULT_RESOURCE_GROUP


class Deploying(msgspec.Struct, frozen=True):
    """A template being deployed: where its expressions evaluate, where it deploys, the file it is in."""

    env: Env
    target: Target
    file: TemplateFile

    def in_copy(self, name: str, index: int | Unresolved) -> Deploying:
        """The same deployment inside one iteration of copy loop ``name``."""
        return Deploying(self.env.with_copy(name, index), self.target, self.file)


class NestedDeployment(msgspec.Struct, frozen=True):
    """The template a deployment resource deploys, and how (``linked``: from a file of its own)."""

    template: Mapping[str, Any]
    at: Deploying
    linked: bool


def is_deployment(resource_type: str) -> bool:
    """Whether a resource of this (full) type is a nested deployment."""
    return resource_type.lower() == "microsoft.resources/deployments"


def nested_deployment(
    fields: Mapping[str, Any], at: Deploying, links: LinkedTemplates, meter: Meter, depth: int
) -> NestedDeployment | None:
    """What the deployment resource ``fields`` (lower-cased keys) deploys; None when it is not in the repository.

    ``depth`` is the number of templates being read around it.
    """
    props = fields.get("properties")
    if not isinstance(props, Mapping):
        return None
    env = at.env
    subscription = as_text(fields["subscriptionid"], env) if "subscriptionid" in fields else None
    group = as_text(fields["resourcegroup"], env) if "resourcegroup" in fields else None
    template = props.get("template")
    inner_file = at.file
    linked = False
    link = props.get("templateLink")
    if not isinstance(template, Mapping) and isinstance(link, Mapping) and isinstance(link.get("relativePath"), str):
        inner_file = links.open(as_text(link["relativePath"], env), at.file)
        template, linked = inner_file.doc.data, True
    if not isinstance(template, Mapping):
        return None  # a templateLink by URI: not in the repository, nothing to read
    if depth > budget.DEPLOYMENT_DEPTH:
        raise BudgetExceeded(
            f"deployments nest more than {budget.DEPLOYMENT_DEPTH} levels deep (the limit)",
            str(fields.get("name")) if isinstance(fields.get("name"), str) else None,
        )
    level = template_level(template)
    target = Target(
        subscription_id=subscription or at.target.subscription_id,
        resource_group=None
        if level != "resourceGroup"
        else group or at.target.resource_group or DEFAULT_RESOURCE_GROUP,
        level=level,
    )
    options = props.get("expressionEvaluationOptions")
    if linked or (isinstance(options, Mapping) and str(options.get("scope", "")).lower() == "inner"):
        env = Env(symbols_located(Scope(template, _passed(props.get("parameters"), env), target, meter)))
    # else the outer scope: the parent's parameters, variables and resourceGroup()
    return NestedDeployment(template, Deploying(env, target, inner_file), linked)


def _passed(parameters: Any, env: Env) -> dict[str, Any]:
    """The parameter values a deployment passes to the template it deploys."""
    supplied: dict[str, Any] = {}
    if isinstance(parameters, Mapping):
        for name, raw in parameters.items():
            # Bicep may pass a whole entry as an expression: "[if(c, createObject('value', x), ...)]"
            entry = evaluate_value(raw, env) if isinstance(raw, str) else raw
            if type(entry) is Unresolved:
                supplied[name] = entry
            elif isinstance(entry, Mapping) and "value" in entry:
                supplied[name] = entry["value"] if isinstance(raw, str) else evaluate_value(entry["value"], env)
            elif isinstance(entry, Mapping) and "reference" in entry:
                supplied[name] = Unresolved(f"parameter '{name}' is a Key Vault reference", f"<{name}>")
    return supplied
