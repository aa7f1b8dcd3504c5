"""``azurerm_linux_web_app`` / ``azurerm_windows_web_app`` → an App Service site row with its container configuration.

The site's ``site_config`` becomes ``properties.siteConfig`` in the shape of ARM's ``config/web``
(the IaC core makes it the site's ``arm`` entry, as a live collection reads it): the image as
``linuxFxVersion`` / ``windowsFxVersion`` ``DOCKER|<registry host>/<image>:<tag>``, and whether
the site pulls with a managed identity (``acrUseManagedIdentityCreds``, and which one by client
id). App settings are not kept: they may hold the registry password (docs/iac-terraform.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.sources.iac.terraform.translate import rows
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance, TranslatedRow
from scanner.unknown import Unknown


def _image(stack: Mapping[str, Any], where: str) -> str | Unknown | None:
    """``DOCKER|<host>/<image>`` of an ``application_stack`` (``None``: it runs no container)."""
    image = stack.get("docker_image_name")
    if image is None:
        return None
    url = stack.get("docker_registry_url")
    for value in (image, url):
        if isinstance(value, Unknown):
            return value
    if not isinstance(image, str) or (url is not None and not isinstance(url, str)):
        return Unknown(f"{where}: docker_image_name or docker_registry_url is not a string")
    host = (url or "").split("://", 1)[-1].strip("/")
    return f"DOCKER|{host}/{image}" if host else f"DOCKER|{image}"


def translate_web_app(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """The site row; its ``siteConfig`` is what ``GET {site}/config/web`` returns once deployed."""
    a = inst.attrs
    windows = inst.tf_type == "azurerm_windows_web_app"
    row = rows.base_row(inst, rid, "Microsoft.Web/sites")
    row.setdefault("tags", {})  # (a plan's ``tags = null`` and unset tags in source agree)
    src: dict[str, AttrPath] = {"properties.siteConfig": ("site_config",)}
    identity = rows.identity_of(a.get("identity"))
    if identity is not None:
        row["identity"] = identity
        src["identity"] = ("identity",)
    site = rows.first_block(a.get("site_config"))
    config: Any = {}
    container = False
    if isinstance(site, Unknown):
        config = site
    elif isinstance(site, Mapping):
        stack = rows.first_block(site.get("application_stack"))
        fx = (
            stack if isinstance(stack, Unknown) else _image(stack, inst.address) if isinstance(stack, Mapping) else None
        )
        container = fx is not None
        if fx is not None:
            config["windowsFxVersion" if windows else "linuxFxVersion"] = fx
        config["acrUseManagedIdentityCreds"] = rows.as_bool(
            site.get("container_registry_use_managed_identity"),
            False,
            f"{inst.address}.container_registry_use_managed_identity",
        )
        rows.put(config, "acrUserManagedIdentityID", site.get("container_registry_managed_identity_client_id"))
        rows.put(config, "vnetRouteAllEnabled", site.get("vnet_route_all_enabled"))
    if windows:  # (the kinds Azure reports)
        row["kind"] = "app,container,windows" if container else "app"
    else:
        row["kind"] = "app,linux,container" if container else "app,linux"
    props: dict[str, Any] = {"serverFarmId": a.get("service_plan_id"), "siteConfig": config}
    rows.put(props, "virtualNetworkSubnetId", a.get("virtual_network_subnet_id"))
    row["properties"] = props
    return [TranslatedRow(row, inst, src)]
