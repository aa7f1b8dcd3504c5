"""RBAC action patterns: ``*`` matches any run of characters (``/`` included), case-insensitively;
nothing else is a wildcard (learn.microsoft.com/azure/role-based-access-control/role-definitions#actions)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.azure.facts import action_matches

PULL = "Microsoft.ContainerRegistry/registries/pull/read"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*", True),
        ("*/read", True),
        ("Microsoft.ContainerRegistry/*", True),
        ("microsoft.containerregistry/registries/*/read", True),
        ("MICROSOFT.CONTAINERREGISTRY/REGISTRIES/PULL/READ", True),
        ("Microsoft.ContainerRegistry/registries/push/*", False),
        ("*/write", False),
        ("Microsoft.ContainerRegistry/registries/pull/read/extra", False),
        ("Microsoft.ContainerRegistry/registries/pul?/read", False),  # '?' is literal in RBAC
        ("Microsoft.ContainerRegistry/registries/[p]ull/read", False),  # so is '['
    ],
)
def test_patterns_against_the_pull_action(pattern: str, expected: bool) -> None:
    assert action_matches(pattern, PULL) is expected


def _reference(pattern: str, action: str) -> bool:
    """The same rule as a regular expression: every '*' is '.*', everything else literal."""
    regex = ".*".join(re.escape(part) for part in pattern.lower().split("*"))
    return re.fullmatch(regex, action.lower(), flags=re.DOTALL) is not None


@given(st.text("aAb/*?[", max_size=8), st.text("aAb/?[", max_size=10))
def test_agrees_with_the_regular_expression_reading(pattern: str, action: str) -> None:
    assert action_matches(pattern, action) is _reference(pattern, action)
