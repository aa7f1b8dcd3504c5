"""The subject kinds rules can name, and the function that enumerates each from the inventory."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from scanner.inventory.model import Inventory
from scanner.inventory.subjects.credential import credentials
from scanner.inventory.subjects.private_endpoint import private_endpoints
from scanner.inventory.subjects.registry import registries
from scanner.inventory.subjects.role_assignment import role_assignments
from scanner.inventory.subjects.subject import Subject
from scanner.inventory.subjects.token import tokens
from scanner.inventory.subjects.token_password import token_passwords

#: Subject kind → the function listing its subjects (placeholders included) in the inventory.
ENUMERATORS: dict[str, Callable[[Inventory], Iterator[Subject]]] = {
    "registry": registries,
    "private_endpoint": private_endpoints,
    "role_assignment": role_assignments,
    "credential": credentials,
    "token": tokens,
    "token_password": token_passwords,
}
