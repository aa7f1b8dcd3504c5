"""The emulator's answers for the registries' consumers: site configurations and group members.

Resource Graph serves the consumer lists like every other list (rows whole, by table and type);
this module adds the two calls that are not Resource Graph:

* ARM ``GET {site id}/config/web`` answers the ``siteConfig`` of the tenant's ``arm`` entry of
  that site (404 ResourceNotFound for a site without one, 403 under a forbidden subscription, a
  replayed ``errors`` entry with ``affects: ["siteConfig"]`` scoped to the site);
* Microsoft Graph ``GET /groups/{id}/transitiveMembers`` answers the tenant's
  ``graph.groupMembers`` of that group in pages of ``$top`` (at most ``EmulatorConfig.graph_page_size``)
  with an absolute ``@odata.nextLink`` carrying ``$skiptoken``, as Graph does. A group that holds
  a role but has no ``groupMembers`` entry has no members; any other id is 404. A replayed
  ``graph`` error scoped ``group <id>`` with ``affects: ["groupMembers"]`` answers the member
  list of that group only (the server checks it), as a missing GroupMember.Read.All would.

Both return ``(status, body)`` for the server to send, so this module needs nothing from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

JSON = Any

#: Consumer list name → the ARG type of its rows (the emulator's LIST_TYPES takes these too).
CONSUMER_LIST_TYPES: dict[str, str] = {
    "managedClusters": "microsoft.containerservice/managedclusters",
    "containerApps": "microsoft.app/containerapps",
    "managedEnvironments": "microsoft.app/managedenvironments",
    "webApps": "microsoft.web/sites",
    "containerGroups": "microsoft.containerinstance/containergroups",
    "userAssignedIdentities": "microsoft.managedidentity/userassignedidentities",
    "virtualNetworks": "microsoft.network/virtualnetworks",
    "publicIpAddresses": "microsoft.network/publicipaddresses",
}
SITE_CONFIG_PATH = re.compile(
    r"^(/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\.web/sites/([^/]+))/config/web$"
)
MEMBERS_PATH = re.compile(r"^/groups/([^/()]+)/transitivemembers$")
GRAPH_DEFAULT_PAGE = 100


def _arm_error(code: str, message: str) -> JSON:
    return {"error": {"code": code, "message": message}}


def site_config(
    arm: Mapping[str, JSON], match: re.Match[str], path: str, forbidden: frozenset[str], replayed: Any
) -> tuple[int, JSON]:
    """(status, body) of ``GET {site id}/config/web``; ``replayed`` is the snapshot error to answer, if any."""
    site_id, sub = match.group(1), match.group(2)
    scope = path[: len(site_id)]
    if sub in forbidden:
        message = (
            "The client does not have authorization to perform action 'Microsoft.Web/sites/config/read' "
            f"over scope '{scope}/config/web' or the scope is invalid."
        )
        return 403, _arm_error("AuthorizationFailed", message)
    if replayed is not None:
        return replayed.status, _arm_error(replayed.code, replayed.message)
    entry = arm.get(site_id)
    body = entry.get("siteConfig") if isinstance(entry, dict) else None
    if body is None:
        parts = scope.split("/")
        message = f"The Resource 'Microsoft.Web/sites/{parts[-1]}' under resource group '{parts[4]}' was not found."
        return 404, _arm_error("ResourceNotFound", message)
    return 200, body


def members_page(
    group_members: Mapping[str, list[JSON]],
    known_groups: frozenset[str],
    group_id: str,
    query: Mapping[str, str],
    base_url: str,
    max_page: int,
) -> tuple[int, JSON]:
    """(status, body) of one page of ``GET /groups/{id}/transitiveMembers``."""
    key = group_id.lower()
    if key not in group_members and key not in known_groups:
        message = (
            f"Resource '{group_id}' does not exist or one of its queried reference-property objects are not present."
        )
        return 404, {"error": {"code": "Request_ResourceNotFound", "message": message}}
    members = group_members.get(key, [])
    try:
        top = int(query.get("$top") or GRAPH_DEFAULT_PAGE)
        offset = int(query.get("$skiptoken") or 0)
    except ValueError:
        return 400, {"error": {"code": "BadRequest", "message": "Invalid $top or $skiptoken."}}
    size = max(1, min(top, max_page))
    body: dict[str, JSON] = {
        "@odata.context": f"{base_url}/v1.0/$metadata#directoryObjects",
        "value": members[offset : offset + size],
    }
    if offset + size < len(members):
        kept = "&".join(f"{k}={quote(v, safe=',')}" for k, v in query.items() if k != "$skiptoken")
        body["@odata.nextLink"] = (
            f"{base_url}/v1.0/groups/{group_id}/transitiveMembers?{kept}&$skiptoken={offset + size}"
        )
    return 200, body
