"""Deployment and scope functions: ``parameters``, ``variables``, ``copyIndex``, ``resourceGroup`` ...

Deployment-time facts are placeholders: the subscription is
:data:`~scanner.sources.iac.ids.PLACEHOLDER_SUBSCRIPTION`, the resource group
:data:`~scanner.sources.iac.ids.DEFAULT_RESOURCE_GROUP` (unless a nested deployment names
one), the cloud is AzureCloud, and the resource group's location is unresolved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Context, Family, Function
from scanner.sources.iac.arm.expressions.values import Unresolved, fail
from scanner.sources.iac.ids import DEFAULT_RESOURCE_GROUP

family = Family()
FUNCTIONS: dict[str, Function] = family.functions

PLACEHOLDER_TENANT = "00000000-0000-0000-0000-000000000000"


@family.plain("resourceGroup")
def _resource_group(args: list[Any], env: Context, text: str) -> Any:
    target = env.target
    name = target.resource_group or DEFAULT_RESOURCE_GROUP
    return {
        "id": target.resource_group_id(),
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": Unresolved(
            "the resource group's location is only known at deployment", "<resourceGroup().location>"
        ),
        "managedBy": None,
        "tags": {},
        "properties": {"provisioningState": "Succeeded"},
    }


@family.plain("subscription")
def _subscription(args: list[Any], env: Context, text: str) -> Any:
    sub = env.target.subscription_id
    return {
        "id": f"/subscriptions/{sub}",
        "subscriptionId": sub,
        "tenantId": PLACEHOLDER_TENANT,
        "displayName": "<subscription>",
    }


@family.plain("tenant")
def _tenant(args: list[Any], env: Context, text: str) -> Any:
    return {"id": f"/tenants/{PLACEHOLDER_TENANT}", "tenantId": PLACEHOLDER_TENANT, "displayName": "<tenant>"}


_ENVIRONMENT: dict[str, Any] = {
    "name": "AzureCloud",
    "gallery": "https://gallery.azure.com/",
    "graph": "https://graph.windows.net/",
    "portal": "https://portal.azure.com",
    "graphAudience": "https://graph.windows.net/",
    "activeDirectoryDataLake": "https://datalake.azure.net/",
    "batch": "https://batch.core.windows.net/",
    "media": "https://rest.media.azure.net",
    "sqlManagement": "https://management.core.windows.net:8443/",
    "vmImageAliasDoc": "",
    "resourceManager": "https://management.azure.com/",
    "authentication": {
        "loginEndpoint": "https://login.microsoftonline.com/",
        "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
        "tenant": "common",
        "identityProvider": "AAD",
    },
    "suffixes": {
        "acrLoginServer": ".azurecr.io",
        "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
        "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
        "azureFrontDoorEndpointSuffix": "azurefd.net",
        "keyvaultDns": ".vault.azure.net",
        "sqlServerHostname": ".database.windows.net",
        "storage": "core.windows.net",
    },
}


@family.plain("environment")
def _environment(args: list[Any], env: Context, text: str) -> Any:
    return _ENVIRONMENT


@family.plain("deployment")
def _deployment(args: list[Any], env: Context, text: str) -> Any:
    return {"name": "iac-deployment", "properties": {"templateLink": None, "mode": "Incremental"}}


def _named(what: str, read: Callable[[Context, str], Any]) -> Function:
    """``parameters(name)`` / ``variables(name)``: what the context holds under a name."""

    def call(args: list[Any], env: Context, text: str) -> Any:
        name = args[0]
        if not isinstance(name, str):
            return fail(text, f"expects a {what} name")
        return read(env, name)

    return call


family.strict("parameters", arity=(1, 1))(_named("parameter", lambda env, name: env.parameter(name)))
family.strict("variables", arity=(1, 1))(_named("variable", lambda env, name: env.variable(name)))


@family.strict("copyIndex", arity=(0, 2))
def _copy_index(args: list[Any], env: Context, text: str) -> Any:
    loop: str | None = None
    offset = 0
    for arg in args:
        if isinstance(arg, str):
            loop = arg
        elif isinstance(arg, int) and not isinstance(arg, bool):
            offset = arg
        else:
            return fail(text, "expects a loop name and/or an integer offset")
    index = env.copy_index(loop)
    if index is None:
        where = f"loop '{loop}'" if loop else "a copy loop"
        return fail(text, f"is used outside {where}")
    if isinstance(index, Unresolved):
        return Unresolved(index.reason, f"<{text}>")
    budget.check_integer(text, index + offset)
    return index + offset
