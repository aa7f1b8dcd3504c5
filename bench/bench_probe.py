"""Benchmark ``acr-scan probe``: N registries probed concurrently against local servers.

A child process serves a DNS server (each ``rNNNacr.azurecr.io`` CNAMEs into
``privatelink.azurecr.io`` and answers 127.0.0.1) and a TLS registry (``/v2/`` challenge,
``/oauth2/exchange``, ``/oauth2/token``) from ``tests/probe_servers.py``, so the servers do not
share the prober's interpreter. Each run probes every registry through all four steps (the
Entra token is a fixed JWT-shaped string: azure-identity is not what is measured) and checks
that every step passed; the median and range of the runs are printed.

    python bench/bench_probe.py [--registries 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from scanner.probe.model import Target  # noqa: E402
from scanner.probe.net import trust_context  # noqa: E402
from scanner.probe.resolve import make_resolver  # noqa: E402
from scanner.probe.runner import Prober, ProbeSettings, probe_all  # noqa: E402
from tests.probe_servers import Authority, LocalDns, RegistryBehaviour, RegistryServer, jwt, loopback  # noqa: E402


def _names(count: int) -> list[str]:
    return [f"r{i:03d}acr.azurecr.io" for i in range(count)]


def _serve(count: int, directory: str, pipe: Connection) -> None:
    ca = Authority()
    ca.write_ca(Path(directory) / "ca.pem")
    cert = ca.issue(["*.azurecr.io"], Path(directory))
    pullable = {name.split(".")[0]: {"app/web"} for name in _names(count)}
    with LocalDns(loopback(_names(count))) as dns, RegistryServer(*cert, RegistryBehaviour(pullable=pullable)) as reg:
        pipe.send((dns.address, reg.port))
        pipe.recv()  # until the parent is done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registries", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-probe-") as directory:
        parent, child = mp.Pipe()
        server = mp.get_context("spawn").Process(target=_serve, args=(args.registries, directory, child), daemon=True)
        server.start()
        dns_address, port = parent.recv()
        os.environ["REQUESTS_CA_BUNDLE"] = str(Path(directory) / "ca.pem")
        entra = jwt({"oid": "bench", "tid": "bench"})
        targets = [Target(name, port) for name in _names(args.registries)]
        settings = ProbeSettings(("dns", "tls", "challenge", "token"), 10.0, repository="app/web")
        seconds = []
        for run in range(args.repeat + 1):  # the first run warms imports and the servers' thread pools
            prober = Prober(settings, make_resolver(dns_address, 10.0), trust_context(), lambda: entra)
            started = time.perf_counter()
            report = probe_all(prober, targets)
            elapsed = time.perf_counter() - started
            bad = [s for r in report.registries for s in r.steps if s.status != "ok"]
            if bad:
                raise SystemExit(f"{len(bad)} steps did not pass, e.g. {bad[0]}")
            if run:
                seconds.append(elapsed)
        parent.send("stop")
        server.join(10)
    print(
        f"{args.registries} registries x 4 steps, {args.repeat} runs: median {statistics.median(seconds):.2f} s "
        f"(range {min(seconds):.2f}-{max(seconds):.2f} s)"
    )


if __name__ == "__main__":
    main()
