"""A credential's ``registries``: the sorted union of the registry lists its principal reaches."""

from __future__ import annotations

from scanner.inventory.subjects.credential import union_sorted

EVERY = ["a", "b", "c", "d"]


def test_a_single_list_is_the_union() -> None:
    assert union_sorted([["b", "c"]], EVERY) == ["b", "c"]


def test_lists_are_merged_sorted_without_repeats() -> None:
    assert union_sorted([["a", "c"], ["b", "c"], ["d"]], EVERY) == ["a", "b", "c", "d"]
    assert union_sorted([["a", "c"], ["b", "c"]], EVERY) == ["a", "b", "c"]


def test_a_list_naming_every_registry_is_the_union() -> None:
    assert union_sorted([["b"], list(EVERY)], EVERY) == EVERY


def test_without_a_unique_name_list_the_lists_are_merged() -> None:
    # Two registries share a name: a full-length list is no proof of covering every name.
    assert union_sorted([["a", "a"], ["b"]], None) == ["a", "b"]
