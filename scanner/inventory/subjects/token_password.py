"""The ``token_password`` subject: one password of a registry token (expiry rules read these).

A token without passwords yields one subject whose ``password`` is ``null``. The ``token``
object carries only the token's id, name and status: its scope map is the token subject's
business, not worth resolving once per password.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.inventory.model import Inventory, Raw, Registry
from scanner.inventory.subjects.subject import Subject, registry_child_ref, registry_stub
from scanner.inventory.subjects.token import each_token, token_fields


def _password_subjects(reg: Registry, token: Raw) -> Iterator[Subject]:
    _, status, listed = token_fields(token)
    token_id, token_name = token["id"], token.get("name")
    token_info = {"id": token_id, "name": token_name, "status": status}
    registry = registry_stub(reg)
    passwords: list[dict[str, Any] | None] = [*listed] or [None]
    for password in passwords:
        suffix = f"/passwords/{password['name']}" if password else ""
        pname = f"{token_name}/{password['name']}" if password else f"{token_name} (no passwords)"
        doc = {
            "id": token_id + suffix,
            "name": pname,
            "token": token_info,
            "password": password,
            "registry": registry,
        }
        yield Subject("token_password", registry_child_ref(reg, "token_password", doc["id"], pname), doc)


def token_passwords(inv: Inventory) -> Iterator[Subject]:
    """One subject per password of every token (one for a token without passwords)."""
    return each_token(inv, "token_password", _password_subjects)
