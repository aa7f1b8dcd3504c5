"""``uniqueString`` and ``guid``: Azure's own algorithms, so names built from them match a deployment.

``uniqueString`` is a 64-bit Murmur variant over the ``-``-joined arguments, rendered as 13
base32 characters; ``guid`` is the name-based (v5) UUID in ARM's namespace. Both reproduce
published reference values (see tests/test_iac_arm_functions.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from scanner.sources.iac.arm.expressions.context import Context, Family, Function
from scanner.sources.iac.arm.expressions.values import Unresolved, fail, first_unresolved

family = Family()
FUNCTIONS: dict[str, Function] = family.functions


def _murmur64(data: bytes) -> int:
    """Azure's 64-bit Murmur variant behind uniqueString (two 32-bit lanes, seed 0)."""
    mask = 0xFFFFFFFF
    c1, c2 = 0x239B961B, 0xAB0E9789

    def rotl(x: int, r: int) -> int:
        return ((x << r) | (x >> (32 - r))) & mask

    def fmix(h: int) -> int:
        h ^= h >> 16
        h = (h * 0x85EBCA6B) & mask
        h ^= h >> 13
        h = (h * 0xC2B2AE35) & mask
        return h ^ (h >> 16)

    length = len(data)
    h1 = h2 = 0
    index = 0
    while index + 7 < length:
        k1 = int.from_bytes(data[index : index + 4], "little")
        k2 = int.from_bytes(data[index + 4 : index + 8], "little")
        h1 ^= (rotl((k1 * c1) & mask, 15) * c2) & mask
        h1 = (((rotl(h1, 19) + h2) & mask) * 5 + 0x561CCD1B) & mask
        h2 ^= (rotl((k2 * c2) & mask, 17) * c1) & mask
        h2 = (((rotl(h2, 13) + h1) & mask) * 5 + 0x0BCAA747) & mask
        index += 8
    tail = length - index
    if tail > 0:
        k1 = int.from_bytes(data[index : index + min(tail, 4)], "little")
        h1 ^= (rotl((k1 * c1) & mask, 15) * c2) & mask
        if tail > 4:
            k2 = int.from_bytes(data[index + 4 : index + tail], "little")
            h2 ^= (rotl((k2 * c2) & mask, 17) * c1) & mask
    h1 ^= length
    h2 ^= length
    h1 = (h1 + h2) & mask
    h2 = (h2 + h1) & mask
    h1, h2 = fmix(h1), fmix(h2)
    h1 = (h1 + h2) & mask
    h2 = (h2 + h1) & mask
    return (h2 << 32) | h1


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def unique_string(*values: str) -> str:
    """ARM ``uniqueString(...)``: 13 base32 characters of the hash of the ``-``-joined values."""
    digest = _murmur64("-".join(values).encode("utf-8"))
    mask = 0xFFFFFFFFFFFFFFFF
    return "".join(_BASE32[((digest << (5 * i)) & mask) >> 59] for i in range(13))


_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")


def arm_guid(*values: str) -> str:
    """ARM ``guid(...)``: the name-based (v5) UUID of the ``-``-joined values in ARM's namespace."""
    return str(uuid.uuid5(_GUID_NAMESPACE, "-".join(values)))


def _hash_function(function: Callable[..., str]) -> Function:
    def call(args: list[Any], env: Context, text: str) -> Any:
        if not args:
            return fail(text, "expects at least 1 argument")
        bad = first_unresolved(args)
        if bad is not None:
            return Unresolved(bad.reason, f"<{text}>")
        if not all(isinstance(a, str) for a in args):
            return fail(text, "expects string arguments")
        return function(*args)

    return call


family.plain("guid")(_hash_function(arm_guid))
family.plain("uniqueString")(_hash_function(unique_string))
