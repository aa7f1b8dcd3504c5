"""Atomic writes: the target appears whole or not at all, and nothing is left behind."""

from __future__ import annotations

import itertools
import os
import stat
from pathlib import Path
from typing import BinaryIO

import pytest

from scanner import atomic
from scanner.atomic import write_atomic


def test_writes_the_file_readable_by_others(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    write_atomic(target, lambda handle: handle.write(b"{}\n"))
    assert target.read_bytes() == b"{}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]


def test_a_failing_writer_leaves_neither_target_nor_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"old")

    def broken(handle: BinaryIO) -> None:
        handle.write(b"half")
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        write_atomic(target, broken)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_an_existing_temporary_name_is_skipped_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    values = itertools.chain([b"\x00" * 6, b"\x00" * 6], itertools.repeat(b"\x01" * 6))
    monkeypatch.setattr(os, "urandom", lambda n: next(values))
    taken = tmp_path / ".report.json.000000000000"
    taken.write_bytes(b"someone else's")
    write_atomic(tmp_path / "report.json", lambda handle: handle.write(b"new"))
    assert taken.read_bytes() == b"someone else's"
    assert (tmp_path / "report.json").read_bytes() == b"new"


def test_gives_up_after_bounded_attempts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "urandom", lambda n: b"\x00" * n)
    (tmp_path / ".report.json.000000000000").write_bytes(b"")
    with pytest.raises(FileExistsError):
        atomic._create_temporary(tmp_path / "report.json")
