"""``acr-scan probe`` against real local servers: a DNS server, a TLS registry, the Azure emulator.

Only 127.0.0.1 is contacted. Answers naming 10.x or 20.x addresses are only used with
``--steps dns``, which connects to nothing but the resolver.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.probe.model import StepResult, Target
from scanner.probe.net import trust_context
from scanner.probe.resolve import make_resolver
from scanner.probe.runner import Prober, ProbeSettings
from scanner.probe.token_step import NoEntraToken
from tests.cli import run_in_process
from tests.conftest import DEMO, ROOT
from tests.probe_servers import Authority, LocalDns, RegistryBehaviour, RegistryServer, SilentDns, jwt, loopback
from tests.sarif_tools import github_problems, multitool_errors, schema_errors

SCHEMA = json.loads((ROOT / "scanner" / "schemas" / "probe.schema.json").read_text())
ENTRA = jwt(
    {"oid": "0f0f0f0f-1111-2222-3333-444444444444", "tid": "tenant-1", "aud": "https://containerregistry.azure.net"}
)

LABELS = ["okacr", "fwacr", "nfacr", "slowacr", "dripacr", "hugeacr", "badjsonacr", "refuseacr", "wrongacr"]
HOSTS = [f"{label}.azurecr.io" for label in LABELS]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("probe-pki")
    ca, proxy = Authority(), Authority(org="Contoso TLS Inspection")
    return {
        "dir": root,
        "ca": ca.write_ca(root / "ca.pem"),
        "proxy_ca": proxy.write_ca(root / "proxy-ca.pem"),
        "good": ca.issue(["*.azurecr.io", *HOSTS], root, stem="good"),
        "expired": ca.issue(["expiredacr.azurecr.io"], root, days=-3, stem="expired"),
        "soon": ca.issue(["soonacr.azurecr.io"], root, days=10, stem="soon"),
        "wrong": ca.issue(["someone-else.example"], root, stem="wrong"),
        "proxy": proxy.issue(["proxiedacr.azurecr.io"], root, stem="proxy"),
    }


@pytest.fixture(scope="module")
def registry(pki: dict[str, Any]) -> Iterator[RegistryServer]:
    behaviour = RegistryBehaviour(
        forbidden={"fwacr"},
        not_found={"nfacr"},
        slow={"slowacr"},
        drip={"dripacr"},
        huge={"hugeacr"},
        bad_json={"badjsonacr"},
        refuse_exchange={"refuseacr"},
        pullable={"okacr": {"app/web"}},
    )
    with RegistryServer(*pki["good"], behaviour) as server:
        yield server


@pytest.fixture(scope="module")
def dns_server() -> Iterator[LocalDns]:
    records = loopback([*HOSTS, "expiredacr.azurecr.io", "soonacr.azurecr.io", "proxiedacr.azurecr.io"])
    records.update(
        {
            # contosoprodacr (demo tenant): login server and one data endpoint right, one wrong IP, one missing record
            "contosoprodacr.azurecr.io": "contosoprodacr.privatelink.azurecr.io",
            "contosoprodacr.privatelink.azurecr.io": ["10.10.4.4"],
            "contosoprodacr.eastus.data.azurecr.io": "contosoprodacr.eastus.data.privatelink.azurecr.io",
            "contosoprodacr.eastus.data.privatelink.azurecr.io": ["10.10.4.5"],
            "contosoprodacr.westus2.data.azurecr.io": "contosoprodacr.westus2.data.privatelink.azurecr.io",
            "contosoprodacr.westus2.data.privatelink.azurecr.io": ["10.10.4.99"],
            "contosoprodacr.northeurope.data.azurecr.io": "contosoprodacr.northeurope.data.privatelink.azurecr.io",
            # contosointernalacr: public access disabled, but the answer is public (zone not linked here)
            "contosointernalacr.azurecr.io": "contosointernalacr.privatelink.azurecr.io",
            "contosointernalacr.privatelink.azurecr.io": "eus.azurecr.io",
            "eus.azurecr.io": ["20.62.128.10"],
            "brokenacr.azurecr.io": "SERVFAIL",
        }
    )
    with LocalDns(records) as server:
        yield server


def _prober(
    dns: str, steps: tuple[str, ...], repository: str | None = None, timeout: float = 2.0, entra: Any = None
) -> Prober:
    settings = ProbeSettings(steps, timeout, repository=repository)
    return Prober(settings, make_resolver(dns, timeout), trust_context(), entra or (lambda: ENTRA))


@pytest.fixture
def trust(pki: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki["ca"]))


def _steps(probe: Any) -> dict[str, StepResult]:
    return {s.step: s for s in probe.steps}


def _target(host: str, port: int) -> Target:
    return Target(host, port)


# ----------------------------------------------------------------------------- DNS


def test_dns_against_the_snapshot_names_each_wrong_answer(dns_server: LocalDns, tmp_path: Path) -> None:
    out = tmp_path / "probe.json"
    args = ["probe", "--snapshot", str(DEMO), "--registry", "contosoprodacr", "--registry", "contosointernalacr"]
    run = run_in_process(
        [*args, "--steps", "dns", "--dns-server", dns_server.address, "--format", "json", "-o", str(out)]
    )
    assert run.returncode == 1, run.stderr
    report = json.loads(out.read_text())
    jsonschema.validate(report, SCHEMA)
    prod, internal = report["registries"]
    dns = prod["steps"][0]
    by_name = {n["name"]: n for n in dns["evidence"]["names"]}
    assert by_name["contosoprodacr.azurecr.io"]["status"] == "ok"
    assert by_name["contosoprodacr.azurecr.io"]["answers"][0] == {
        "name": "contosoprodacr.azurecr.io",
        "type": "CNAME",
        "value": "contosoprodacr.privatelink.azurecr.io",
    }
    assert by_name["contosoprodacr.azurecr.io"]["kinds"] == {"10.10.4.4": "private"}
    assert "points at another IP" in by_name["contosoprodacr.westus2.data.azurecr.io"]["cause"]
    assert "record is missing" in by_name["contosoprodacr.northeurope.data.azurecr.io"]["cause"]
    assert by_name["contosoprodacr.northeurope.data.azurecr.io"]["error"] == "nxdomain"
    assert "add-record" in dns["fix"] and "rg-dns-prod" in dns["fix"]
    assert all(s["status"] == "skipped" for s in prod["steps"][1:])
    public = internal["steps"][0]
    assert public["status"] == "fail"
    assert "public access is disabled" in public["cause"] and "20.62.128.10" in public["cause"]
    assert "private-dns link vnet create" in public["fix"]


def test_dns_prediction_from_the_runner_vnet(dns_server: LocalDns) -> None:
    vnet = json.loads(DEMO.read_text())["resourceGraph"]["virtualNetworks"][0]["id"]

    def dns_of(registry: str) -> dict[str, Any]:
        args = ["probe", "--snapshot", str(DEMO), "--vnet", vnet, "--registry", registry, "--steps", "dns"]
        run = run_in_process([*args, "--dns-server", dns_server.address, "--format", "json"])
        step: dict[str, Any] = json.loads(run.stdout)["registries"][0]["steps"][0]
        return step

    dns = dns_of("contosointernalacr")
    assert dns["predicted"].startswith("ACR-051 from vnet-aks-prod-eastus")
    assert "resolves it publicly" in dns["predicted"]
    assert dns["agrees"] is True  # predicted public, seen public: the failure is the registry's own setting
    dns = dns_of("contosoprodacr")
    assert "4 names resolve through the privatelink.azurecr.io zone" in dns["predicted"]
    assert dns["agrees"] is False and "drift since the snapshot, or custom DNS" in dns["cause"]


def test_dns_servfail_nxdomain_and_timeout_are_causes(dns_server: LocalDns) -> None:
    prober = _prober(dns_server.address, ("dns",))
    broken = _steps(prober.probe(_target("brokenacr.azurecr.io", 443)))["dns"]
    assert broken.status == "fail" and "SERVFAIL" in broken.cause
    missing = _steps(prober.probe(_target("nosuchacr.azurecr.io", 443)))["dns"]
    assert missing.status == "fail" and "NXDOMAIN" in missing.cause and "wrong registry name" in missing.cause
    with SilentDns() as silent:
        started = time.monotonic()
        quiet = _steps(_prober(silent.address, ("dns", "tls"), timeout=0.5).probe(_target("okacr.azurecr.io", 443)))
        assert time.monotonic() - started < 3
    assert quiet["dns"].status == "fail" and "no answer" in quiet["dns"].cause
    assert quiet["tls"].status == "skipped" and "did not resolve" in quiet["tls"].cause


def test_steps_dns_makes_no_connection(dns_server: LocalDns, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("--steps dns connected")

    monkeypatch.setattr("scanner.probe.net.socket.create_connection", refuse)
    run = run_in_process(["probe", "--registry", "okacr", "--steps", "dns", "--dns-server", dns_server.address])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "okacr.azurecr.io resolves" not in run.stderr
    assert "dns        ok" in run.stdout and "tls        skipped  not chosen" in run.stdout


def test_dns_server_from_the_environment(dns_server: LocalDns, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACR_SCAN_DNS_SERVER", dns_server.address)
    run = run_in_process(["probe", "--registry", "okacr", "--steps", "dns", "--format", "json"])
    report = json.loads(run.stdout)
    assert report["dns_server"] == dns_server.address
    assert report["registries"][0]["steps"][0]["evidence"]["names"][0]["addresses"] == ["127.0.0.1"]


# ----------------------------------------------------------------------------- TLS, challenge, token


@pytest.mark.usefixtures("trust")
def test_a_healthy_registry_passes_every_step(dns_server: LocalDns, registry: RegistryServer) -> None:
    probe = _prober(dns_server.address, ("dns", "tls", "challenge", "token"), repository="app/web").probe(
        _target("okacr.azurecr.io", registry.port)
    )
    steps = _steps(probe)
    assert [s.status for s in probe.steps] == ["ok"] * 4, probe
    assert steps["tls"].evidence["protocol"].startswith("TLS")
    assert steps["tls"].evidence["certificate"]["daysLeft"] >= 89
    assert any("interception proxy" in n for n in steps["tls"].notes)  # a test CA is not one Azure uses
    assert steps["challenge"].evidence["service"] == "okacr.azurecr.io"
    assert steps["token"].evidence["access"] == [{"type": "repository", "name": "app/web", "actions": ["pull"]}]
    assert steps["token"].evidence["identity"]["oid"] == "0f0f0f0f-1111-2222-3333-444444444444"


@pytest.mark.usefixtures("trust")
def test_token_refusals(dns_server: LocalDns, registry: RegistryServer) -> None:
    def token_of(host: str, repository: str | None, entra: Any = None) -> StepResult:
        prober = _prober(dns_server.address, ("token",), repository=repository, entra=entra)
        return _steps(prober.probe(_target(host, registry.port)))["token"]

    denied = token_of("okacr.azurecr.io", "other/repo")
    assert denied.status == "fail" and "401" in denied.cause and "az role assignment create" in (denied.fix or "")
    catalog = token_of("okacr.azurecr.io", None)
    assert catalog.status == "ok" and catalog.evidence["scope"] == "registry:catalog:*"
    refused = token_of("refuseacr.azurecr.io", "app/web")
    assert refused.status == "fail" and "does not accept this identity" in refused.cause
    bad = token_of("badjsonacr.azurecr.io", "app/web")
    assert bad.status == "fail" and "without a refresh_token" in bad.cause

    def no_token() -> str:
        raise NoEntraToken("--auth environment: EnvironmentCredential authentication unavailable")

    missing = token_of("okacr.azurecr.io", "app/web", no_token)
    assert missing.status == "fail" and "no Microsoft Entra token" in missing.cause


@pytest.mark.usefixtures("trust")
def test_challenge_failures_have_causes(dns_server: LocalDns, registry: RegistryServer) -> None:
    prober = _prober(dns_server.address, ("challenge", "token"), timeout=1.0)

    def challenge(label: str) -> dict[str, StepResult]:
        return _steps(prober.probe(_target(f"{label}.azurecr.io", registry.port)))

    firewall = challenge("fwacr")
    assert firewall["challenge"].status == "fail"
    assert "egress address 203.0.113.7 is not in its IP rules" in firewall["challenge"].cause
    assert firewall["challenge"].fix == "az acr network-rule add --name fwacr --ip-address 203.0.113.7"
    assert firewall["token"].status == "skipped" and "no Bearer challenge" in firewall["token"].cause
    assert "404" in challenge("nfacr")["challenge"].cause
    started = time.monotonic()
    for label in ("slowacr", "dripacr"):
        result = challenge(label)["challenge"]
        assert result.status == "fail" and "within --timeout" in result.cause, result
    assert time.monotonic() - started < 4  # each bounded by --timeout 1, drip included
    huge = challenge("hugeacr")["challenge"]
    assert huge.status == "fail" and "more than" in huge.cause


@pytest.mark.parametrize(
    ("host", "cert", "trusted", "status", "words"),
    [
        ("expiredacr.azurecr.io", "expired", "ca", "fail", "expired"),
        ("wrongacr.azurecr.io", "wrong", "ca", "fail", "not wrongacr.azurecr.io"),
        (
            "proxiedacr.azurecr.io",
            "proxy",
            "ca",
            "fail",
            "Contoso TLS Inspection root, which this machine does not trust",
        ),
        ("proxiedacr.azurecr.io", "proxy", "proxy_ca", "ok", "interception proxy"),
        ("soonacr.azurecr.io", "soon", "ca", "ok", "expires in"),
    ],
)
def test_certificates(
    pki: dict[str, Any],
    dns_server: LocalDns,
    monkeypatch: pytest.MonkeyPatch,
    host: str,
    cert: str,
    trusted: str,
    status: str,
    words: str,
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(pki[trusted]))
    with RegistryServer(*pki[cert]) as server:
        tls = _steps(_prober(dns_server.address, ("tls",)).probe(_target(host, server.port)))["tls"]
    assert tls.status == status, tls
    assert words in tls.cause + " ".join(tls.notes)
    assert tls.evidence["certificate"]["notAfter"]


# ----------------------------------------------------------------------------- the CLI, every format, no tokens


def test_cli_formats_never_hold_a_token(
    pki: dict[str, Any], dns_server: LocalDns, registry: RegistryServer, tmp_path: Path
) -> None:
    from tests.emulator.live import live_env
    from tests.emulator.server import AzureEmulator

    bundle = tmp_path / "bundle.pem"
    with AzureEmulator(json.loads(DEMO.read_text())) as emu:
        bundle.write_bytes(Path(emu.ca_path).read_bytes() + pki["ca"].read_bytes())
        with live_env(emu, tmp_path) as cloud, pytest.MonkeyPatch.context() as patch:
            patch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
            common = [
                "probe",
                "--auth",
                "environment",
                "--cloud",
                str(cloud),
                "--dns-server",
                dns_server.address,
                "--repository",
                "app/web",
                "--timeout",
                "2",
                "--registry",
                f"okacr.azurecr.io:{registry.port}",
                "--registry",
                f"fwacr.azurecr.io:{registry.port}",
            ]
            outputs = {}
            for fmt in ("table", "json", "sarif", "junit"):
                run = run_in_process([*common, "--format", fmt])
                assert run.returncode == 1, run.stderr  # fwacr's firewall
                outputs[fmt] = run.stdout + run.stderr
        assert emu.count("token") >= 1
    report = json.loads(outputs["json"])
    jsonschema.validate(report, SCHEMA)
    ok = report["registries"][0]
    assert [s["status"] for s in ok["steps"]] == ["ok", "ok", "ok", "ok"], ok
    assert len(registry.tokens) >= 3 and all(registry.tokens)
    for fmt, text in outputs.items():
        for token in registry.tokens:
            assert token not in text, f"a token is in the {fmt} output"
    sarif = json.loads(outputs["sarif"])
    assert not schema_errors(sarif) and not github_problems(sarif)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["PROBE-CHALLENGE"]
    sarif_file = tmp_path / "probe.sarif"
    sarif_file.write_text(outputs["sarif"])
    assert multitool_errors([sarif_file], tmp_path) == {sarif_file.resolve(): []}
    suites = ET.fromstring(outputs["junit"])
    assert len(suites.findall(".//failure")) == 1 and len(suites.findall(".//testcase")) == 8
    assert "fix      az acr network-rule add --name fwacr" in outputs["table"]


@pytest.mark.parametrize(
    "args",
    [
        ["probe"],
        ["probe", "--registry", "a", "--vnet", "/x"],
        ["probe", "--registry", "a", "--steps", "dns,ping"],
        ["probe", "--registry", "a b"],
        ["probe", "--registry", "a:99999"],
        ["probe", "--registry", "a", "--timeout", "0"],
        ["probe", "--registry", "a", "--dns-server", "127.0.0.1:x"],
    ],
)
def test_bad_input_is_exit_2(args: list[str]) -> None:
    run = run_in_process(args)
    assert run.returncode == 2, run
    assert "Traceback" not in run.stderr


@pytest.mark.usefixtures("trust")
def test_token_prediction_from_the_access_model(dns_server: LocalDns, registry: RegistryServer) -> None:
    """With a snapshot, the token step says what the access model predicts for the runner's identity
    (its ``oid``, read from the Entra token) and whether the registry's answer agrees."""
    from scanner.inventory.access_paths import access_of
    from scanner.inventory.build import build_inventory
    from scanner.probe.model import Prediction

    inv = build_inventory(json.loads(DEMO.read_text()))
    reg = next(r for r in inv.registries.values() if r.name == "contosoprodacr")
    access = access_of(inv, reg)
    puller = next(
        g for g in access.grants() if "pull" in g.actions and g.principal_type == "ServicePrincipal" and not g.unknown
    )
    target = Target("okacr.azurecr.io", registry.port, prediction=Prediction(access=access))

    def token(oid: str, repository: str) -> StepResult:
        entra = jwt({"oid": oid, "tid": "tenant-1", "aud": "https://containerregistry.azure.net"})
        return _steps(_prober(dns_server.address, ("token",), repository, entra=lambda: entra).probe(target))["token"]

    held = token(puller.principal, "app/web")  # (the local registry grants app/web to anyone)
    assert held.status == "ok" and held.agrees is True
    assert held.predicted is not None and f"predicts identity {puller.principal} pulls app/web" in held.predicted
    stranger = token("99999999-8888-7777-6666-555555555555", "app/web")
    assert stranger.status == "ok" and stranger.agrees is False  # pulls, though no grant was collected: drift
    assert "holds no pull on app/web" in (stranger.predicted or "")
    refused = token(puller.principal, "other/repo")
    assert refused.status == "fail" and refused.agrees is False  # predicted to pull, refused: drift
