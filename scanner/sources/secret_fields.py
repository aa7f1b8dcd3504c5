"""The fields of a credential that hold its secret, and dropping them from collected data.

A Microsoft Graph password credential can carry ``secretText`` (and a ``hint`` of it), a key
credential its ``key``, an ACR token password its ``value``. None of them is ever stored: a
live collection drops them here, in any letter case and from every credential list whatever
the case of its name, and the snapshot schema refuses a snapshot that still has one (its
``credentialMetadata`` definition says the same thing in JSON Schema).
"""

from __future__ import annotations

from typing import Any

#: Secret-bearing field names, lower-cased: a field is secret whatever its letter case.
SECRET_FIELDS = frozenset({"secrettext", "hint", "key", "value"})


def is_secret_field(name: object) -> bool:
    """Whether a credential field of this name holds secret material."""
    return isinstance(name, str) and name.lower() in SECRET_FIELDS


def without_secrets(credentials: Any) -> Any:
    """A credential list with every secret field dropped from its items.

    An item that is not an object has no field to drop and is kept as it is: the schema
    refuses it when the snapshot is written, so a malformed list fails the collection closed
    rather than losing a credential silently.
    """
    if not isinstance(credentials, list):
        return credentials
    return [
        {k: v for k, v in item.items() if not is_secret_field(k)} if isinstance(item, dict) else item
        for item in credentials
    ]


def scrub_lists(obj: dict[str, Any], names: frozenset[str]) -> None:
    """Drop secret fields from every list of ``obj`` whose name, in any case, is in ``names``."""
    for list_name in [k for k in obj if isinstance(k, str) and k.lower() in names]:
        obj[list_name] = without_secrets(obj[list_name])
