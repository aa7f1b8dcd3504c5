"""Atomic writes: the target appears whole or not at all, and nothing is left behind."""

from __future__ import annotations

import fcntl
import itertools
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO

import pytest

from scanner import atomic
from scanner.atomic import write_atomic
from tests.hostile import ROOT, leftovers


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


# --------------------------------------------------------------------------- interrupted writes (issue 11, defect 11)

OLD = time.time() - atomic.STALE_AFTER - 5


def _temporary(directory: Path, name: str, age: float = OLD) -> Path:
    path = directory / name
    path.write_bytes(b"half a report")
    os.utime(path, (age, age))
    return path


def test_the_next_write_removes_stale_temporaries_of_its_own_target_only(tmp_path: Path) -> None:
    stale = _temporary(tmp_path, ".report.html.0123456789ab")
    young = _temporary(tmp_path, ".report.html.abcdef012345", age=time.time())
    others = [
        _temporary(tmp_path, ".report.html.0123456789abc"),  # 13 digits: not our pattern
        _temporary(tmp_path, ".report.html.0123456789AB"),  # upper case: not ours
        _temporary(tmp_path, ".report.html.bak"),
        _temporary(tmp_path, ".other.html.0123456789ab"),  # another target's
        _temporary(tmp_path, "report.html.0123456789ab"),
    ]
    (tmp_path / ".report.html.ffffffffffff").mkdir()  # a folder of that name is left alone
    (tmp_path / ".report.html.eeeeeeeeeeee").symlink_to(others[0])  # and a symlink
    os.utime(tmp_path / ".report.html.eeeeeeeeeeee", (OLD, OLD), follow_symlinks=False)
    write_atomic(tmp_path / "report.html", lambda handle: handle.write(b"<html>"))
    assert not stale.exists()
    assert young.exists() and all(p.exists() for p in others)
    assert (tmp_path / ".report.html.ffffffffffff").is_dir()
    assert (tmp_path / ".report.html.eeeeeeeeeeee").is_symlink()
    assert (tmp_path / "report.html").read_bytes() == b"<html>"


def test_a_temporary_locked_by_a_live_writer_is_not_stale_however_old(tmp_path: Path) -> None:
    busy = _temporary(tmp_path, ".report.html.0123456789ab")
    with busy.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert atomic.remove_stale_temporaries(tmp_path / "report.html") == []
        assert busy.exists()
    assert atomic.remove_stale_temporaries(tmp_path / "report.html") == [busy]


def test_the_file_being_written_is_locked(tmp_path: Path) -> None:
    seen: list[bool] = []

    def writer(handle: BinaryIO) -> None:
        (temporary,) = [p for p in tmp_path.iterdir() if p.name.startswith(".out.json.")]
        seen.append(atomic._in_use(temporary))

    write_atomic(tmp_path / "out.json", writer)
    assert seen == [True]


def test_signal_handlers_are_restored_after_a_write(tmp_path: Path) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    write_atomic(tmp_path / "a", lambda handle: handle.write(b"x"))
    with pytest.raises(RuntimeError):
        write_atomic(tmp_path / "b", lambda handle: (_ for _ in ()).throw(RuntimeError("x")))
    assert {s: signal.getsignal(s) for s in before} == before


_SLOW_WRITER = """
import sys, time
from pathlib import Path
from scanner.atomic import write_atomic

def slow(handle):
    chunk = b"x" * (1 << 20)
    for i in range(600):
        handle.write(chunk)
        handle.flush()
        if i == 2:
            print("writing", flush=True)
        time.sleep(0.05)

try:
    write_atomic(Path(sys.argv[1]), slow)
except KeyboardInterrupt:
    sys.exit(130)
"""


def _as_in_a_terminal() -> None:  # pragma: no cover - runs in the child
    """Ctrl-C and a hang-up interrupt, as in a terminal, even when the test runner was started
    with them ignored (a background job of a non-interactive shell ignores SIGINT; `nohup`
    ignores SIGHUP): an ignored signal is inherited through exec."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGHUP, -signal.SIGHUP), (signal.SIGINT, 130)]
)
def test_a_signal_mid_write_leaves_no_temporary_and_no_target(tmp_path: Path, signum: int, code: int) -> None:
    target = tmp_path / "report.html"
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(target)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_as_in_a_terminal,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "writing"
    assert len(leftovers(tmp_path)) == 1  # the temporary file, 3 MiB in
    child.send_signal(signum)
    assert child.wait(timeout=30) == code
    assert leftovers(tmp_path) == [] and not target.exists()


def test_an_ignored_sighup_does_not_stop_or_spoil_the_write(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    script = "import signal; signal.signal(signal.SIGHUP, signal.SIG_IGN)\n" + _SLOW_WRITER.replace("600", "10")
    child = subprocess.Popen([sys.executable, "-c", script, str(target)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGHUP)
    assert child.wait(timeout=30) == 0
    assert target.stat().st_size == 10 << 20 and leftovers(tmp_path) == []


@pytest.fixture(scope="module")
def large_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("large") / "synthetic-2000.json"
    generator = ROOT / "fixtures" / "make_synthetic.py"
    subprocess.run([sys.executable, str(generator), "--registries", "2000", "-o", str(path)], check=True, cwd=ROOT)
    return path


def test_sigterm_while_the_cli_writes_a_large_report(tmp_path: Path, large_snapshot: Path) -> None:
    """The real ``acr-scan`` writing a 20 MB HTML report, stopped as soon as its temporary file appears."""
    out = tmp_path / "out"
    out.mkdir()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scanner",
            "scan",
            "--snapshot",
            str(large_snapshot),
            "--format",
            "html",
            "-o",
            str(out / "report.html"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not leftovers(out) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    assert leftovers(out), "the scan ended before its report was being written"
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == -signal.SIGTERM
    assert leftovers(out) == [] and list(out.iterdir()) == []


def test_a_device_target_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    # Renaming over /dev/null would turn the device into an ordinary file for every process.
    write_atomic(Path(os.devnull), lambda out: out.write(b"discarded"))
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_named_pipe_target_receives_the_stream(tmp_path: Path) -> None:
    pipe = tmp_path / "report.fifo"
    os.mkfifo(pipe)
    reader = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.stdout.write(open({str(pipe)!r}).read())"],
        stdout=subprocess.PIPE,
        text=True,
    )
    write_atomic(pipe, lambda out: out.write(b"streamed"))
    output, _ = reader.communicate(timeout=30)
    assert output == "streamed"
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    assert leftovers(tmp_path) == []


def test_the_cli_streams_a_report_into_a_named_pipe(tmp_path: Path) -> None:
    pipe = tmp_path / "results.fifo"
    os.mkfifo(pipe)
    reader = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.stdout.write(open({str(pipe)!r}).read())"],
        stdout=subprocess.PIPE,
        text=True,
    )
    demo = ROOT / "fixtures" / "demo-tenant.snapshot.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner",
            "scan",
            "--snapshot",
            str(demo),
            "--format",
            "json",
            "-o",
            str(pipe),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    output, _ = reader.communicate(timeout=30)
    assert proc.returncode == 1, proc.stderr
    assert '"findings"' in output
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
