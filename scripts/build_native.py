"""Compile the scan's hot modules with mypyc, in place, beside their Python sources.

    python scripts/build_native.py [--require]

A scan spends its time in a few modules: building the inventory, the subject documents,
and running the compiled rule closures over them. mypyc turns those (already fully typed,
``mypy --strict`` clean) modules into C extensions, which makes a 5,000-registry scan about a
sixth faster with identical output. mypy and black ship the same way. The other modules are
byte-compiled, as pip would on install.

The build is optional: without a C compiler or mypyc the package runs as plain Python, and
this script says so and exits 0 (``--require`` makes that an error). It records the SHA-256 of
every compiled source in ``scanner/native.json``; ``scanner/_native_guard.py`` ignores the
compiled modules as soon as any source no longer matches, so an edited module is never
shadowed by a stale build. Build products are git-ignored, so wheels stay pure Python.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The modules a scan's wall time is spent in (see bench/bench.py). Everything else stays
# interpreted: compiling it would only lengthen the build.
HOT_MODULES = (
    "scanner/unknown.py",
    "scanner/gate.py",
    "scanner/engine/conditions.py",
    "scanner/engine/evaluate.py",
    "scanner/engine/template.py",
    "scanner/inventory/ids.py",
    "scanner/inventory/model.py",
    "scanner/inventory/coverage.py",
    "scanner/inventory/build.py",
    "scanner/inventory/subjects.py",
    "scanner/outputs/summary.py",
    "scanner/outputs/table.py",
)
# C helpers built beside them (no Python source; the guard simply ignores them when stale).
C_EXTENSIONS = {"scanner._prefault": "scanner/_prefault.c"}
GROUP = "acr_scan_native"  # the shared library: acr_scan_native__mypyc.*.so at the root
MANIFEST = ROOT / "scanner" / "native.json"  # (the guard reads it: scanner._native_guard.MANIFEST)


def clean() -> None:
    """Remove every earlier build product (a module dropped from the list must not linger)."""
    MANIFEST.unlink(missing_ok=True)
    for built in [*ROOT.glob(f"{GROUP}__mypyc*.so"), *(ROOT / "scanner").rglob("*.so")]:
        built.unlink()


def build() -> None:
    from mypyc.build import mypycify
    from setuptools import Distribution, Extension  # type: ignore[import-untyped,unused-ignore]

    # mypyc names modules by their path from the working directory, and the shared library
    # lands there too: build from the repository root. The Distribution is made directly so
    # setuptools does not read pyproject.toml (the project is built by hatchling).
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory(prefix="acr-scan-native-") as temp:
        extensions = mypycify(list(HOT_MODULES), opt_level="3", debug_level="0", group_name=GROUP, target_dir=temp)
        extensions += [
            Extension(name, [source], extra_compile_args=["-O2", "-pthread"], extra_link_args=["-pthread"])
            for name, source in C_EXTENSIONS.items()
        ]
        dist = Distribution({"name": "acr-scan-native", "ext_modules": extensions, "packages": []})
        command = dist.get_command_obj("build_ext")
        command.inplace = True
        command.build_temp = str(Path(temp) / "objects")
        dist.run_command("build_ext")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--require", action="store_true", help="fail instead of falling back to pure Python")
    parser.add_argument("--clean", action="store_true", help="only remove earlier build products")
    parser.add_argument("--list", action="store_true", help="print the compiled modules' sources (for make)")
    args = parser.parse_args()
    if args.list:
        print(" ".join([*HOT_MODULES, *C_EXTENSIONS.values()]))
        return 0
    clean()
    if args.clean:
        return 0
    compiler = shutil.which(os.environ.get("CC", "cc"))
    started = time.perf_counter()
    try:
        if compiler is None:
            raise RuntimeError("no C compiler (cc) on PATH")
        build()
    except Exception as exc:  # any build failure leaves a working pure-Python package
        clean()
        sys.stderr.write(f"build_native: not compiled ({type(exc).__name__}: {exc}); scanning runs as pure Python\n")
        return 1 if args.require else 0
    # Byte-compile the modules left interpreted too: pip does this on install, but an editable
    # checkout run with PYTHONDONTWRITEBYTECODE=1 (as CI machines often are) would otherwise
    # recompile every imported module on every run.
    compileall.compile_dir(ROOT / "scanner", quiet=1)
    # The guard's own digest, imported only now: with the old manifest gone the package's
    # import-time guard finds nothing to check (and says nothing about a stale build).
    from scanner._native_guard import source_digest

    digests = {path: source_digest(ROOT / path) for path in [*HOT_MODULES, *C_EXTENSIONS.values()]}
    MANIFEST.write_text(json.dumps({"group": GROUP, "sources": digests}, indent=2, sort_keys=True) + "\n")
    print(
        f"build_native: compiled {len(HOT_MODULES)} modules with mypyc and {len(C_EXTENSIONS)} C helper(s)"
        f" in {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
