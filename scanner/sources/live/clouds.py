"""Azure clouds: where Resource Manager, Microsoft Graph and the login authority live.

``--cloud`` names a built-in cloud or a YAML file with ``resource_manager``,
``microsoft_graph`` and ``authority_host`` URLs (and optionally ``arm_audience`` /
``graph_audience``). A file-defined cloud turns instance discovery off, which is what lets the
same code run against a sovereign cloud's private authority or a local test emulator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from scanner.errors import InputError
from scanner.input_limits import Unreadable, read_utf8
from scanner.safeyaml import load_yaml


class Cloud(msgspec.Struct, frozen=True):
    """Endpoints of one Azure cloud (no trailing slashes)."""

    name: str
    resource_manager: str
    microsoft_graph: str
    authority_host: str
    arm_audience: str
    graph_audience: str
    instance_discovery: bool = True
    # the Logs Ingestion API's token audience (acr-scan export log-analytics)
    monitor_audience: str = "https://monitor.azure.com"

    @property
    def arm_scope(self) -> str:
        """OAuth scope for Resource Manager (and Resource Graph)."""
        return f"{self.arm_audience}/.default"

    @property
    def graph_scope(self) -> str:
        """OAuth scope for Microsoft Graph."""
        return f"{self.graph_audience}/.default"


BUILTIN_CLOUDS: dict[str, Cloud] = {
    "AzureCloud": Cloud(
        "AzureCloud",
        "https://management.azure.com",
        "https://graph.microsoft.com",
        "https://login.microsoftonline.com",
        "https://management.azure.com",
        "https://graph.microsoft.com",
    ),
    "AzureChinaCloud": Cloud(
        "AzureChinaCloud",
        "https://management.chinacloudapi.cn",
        "https://microsoftgraph.chinacloudapi.cn",
        "https://login.chinacloudapi.cn",
        "https://management.chinacloudapi.cn",
        "https://microsoftgraph.chinacloudapi.cn",
        monitor_audience="https://monitor.azure.cn",
    ),
    "AzureUSGovernment": Cloud(
        "AzureUSGovernment",
        "https://management.usgovcloudapi.net",
        "https://graph.microsoft.us",
        "https://login.microsoftonline.us",
        "https://management.usgovcloudapi.net",
        "https://graph.microsoft.us",
        monitor_audience="https://monitor.azure.us",
    ),
}


def _url(data: dict[str, Any], key: str, path: Path) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.startswith("https://"):
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        raise InputError(f"{path}: {key}: expected an https:// URL, got {shown}")
    return value.rstrip("/")


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        text = read_utf8(path, "cloud file")
    except Unreadable as exc:
        where = f"{path}:{exc.line}: invalid cloud file" if exc.line else str(path)
        raise InputError(f"{where}: {exc.reason}") from None
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line_part = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}{line_part}: invalid cloud file: {problem}") from None


def load_cloud(name_or_file: str) -> Cloud:
    """A built-in cloud by name, or a cloud described by a YAML file."""
    if name_or_file in BUILTIN_CLOUDS:
        return BUILTIN_CLOUDS[name_or_file]
    path = Path(name_or_file)
    if not path.is_file():
        known = ", ".join(BUILTIN_CLOUDS)
        raise InputError(f"--cloud {name_or_file!r}: not a known cloud ({known}) nor a file")
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: a cloud file must be a YAML mapping")
    arm = _url(data, "resource_manager", path)
    graph = _url(data, "microsoft_graph", path)
    return Cloud(
        name=str(data.get("name") or path.stem),
        resource_manager=arm,
        microsoft_graph=graph,
        authority_host=_url(data, "authority_host", path),
        arm_audience=str(data.get("arm_audience") or arm).rstrip("/"),
        graph_audience=str(data.get("graph_audience") or graph).rstrip("/"),
        instance_discovery=False,
        monitor_audience=str(data.get("monitor_audience") or "https://monitor.azure.com").rstrip("/"),
    )
