"""The IaC readers behind one interface: every detected kind has its reader, units are read in order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from scanner.errors import InputError
from scanner.sources.declarations import IacResource
from scanner.sources.iac import source as source_module
from scanner.sources.iac.detect import (
    ARM_PARAMETERS,
    ARM_TEMPLATE,
    TERRAFORM,
    TERRAFORM_PLAN,
    TERRAFORM_VARS,
    Found,
    discover,
)
from scanner.sources.iac.reader import ReadContext, Unit
from scanner.sources.iac.readers import READERS
from scanner.sources.iac.source import read_resources
from tests.conftest import ROOT

IAC = ROOT / "fixtures" / "iac"


def test_every_detected_kind_is_read_by_exactly_one_reader() -> None:
    claimed = [kind for reader in READERS for kind in reader.kinds]
    assert sorted(claimed) == sorted({ARM_TEMPLATE, ARM_PARAMETERS, TERRAFORM_PLAN, TERRAFORM, TERRAFORM_VARS})


def test_files_are_read_in_the_order_found_and_terraform_modules_after_them() -> None:
    files: list[str] = []
    for resource in read_resources(discover([IAC]), ROOT):
        if not files or files[-1] != resource.file:
            files.append(resource.file)
    assert files == [
        "fixtures/iac/arm/defender-cache.json",
        "fixtures/iac/arm/nested.json",
        "fixtures/iac/arm/private-link.json",
        "fixtures/iac/arm/suppressed.json",
        "fixtures/iac/arm/unresolved-admin.json",
        "fixtures/iac/arm/linked/modules/registry.json",  # read through linked/main.json's deployment
        "fixtures/iac/equivalence/plan.json",
        "fixtures/iac/equivalence/arm/main.json",
        "fixtures/iac/terraform/plans/modules.plan.json",  # found after the .tf files, read before them
        "fixtures/iac/equivalence/terraform/main.tf",
        "fixtures/iac/terraform/defender-cache/main.tf",
        "fixtures/iac/terraform/features/main.tf",
        "fixtures/iac/terraform/json/main.tf.json",
    ]


def test_a_variables_file_without_its_module_is_refused(tmp_path: Path) -> None:
    (tmp_path / "prod.tfvars").write_text('sku = "Premium"\n')
    found = discover([tmp_path / "prod.tfvars"])
    with pytest.raises(InputError, match="a variables file needs the Terraform module"):
        read_resources(found, tmp_path)


class _Echo:
    """A reader of ARM templates that only says which file it was given."""

    kinds = frozenset({ARM_TEMPLATE, ARM_PARAMETERS})

    def units(self, found: Sequence[Found]) -> list[Unit]:
        return [Unit((f,), (), order) for order, f in enumerate(found) if f.kind == ARM_TEMPLATE]

    def read(self, unit: Unit, context: ReadContext) -> list[IacResource]:
        [template] = unit.files
        row = {"id": f"/echo/{template.path.name}", "name": template.path.name, "type": "echo"}
        return [IacResource(row=row, file=template.path.name, line=1)]


def test_a_registered_reader_reads_the_kinds_it_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    others = tuple(r for r in READERS if not r.kinds & _Echo.kinds)
    monkeypatch.setattr(source_module, "READERS", (_Echo(), *others))
    resources = read_resources(discover([IAC / "arm"]), ROOT)
    assert [r.row["id"] for r in resources] == [
        "/echo/defender-cache.json",
        "/echo/nested.json",
        "/echo/private-link.json",
        "/echo/suppressed.json",
        "/echo/unresolved-admin.json",
        "/echo/main.json",
        "/echo/registry.json",
    ]


def test_the_repository_root_is_the_nearest_folder_with_a_git_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.sources.iac.detect import find_repo_root

    (tmp_path / "repo" / ".git").mkdir(parents=True)
    nested = tmp_path / "repo" / "infra" / "acr"
    nested.mkdir(parents=True)
    template = nested / "main.json"
    template.write_text("{}")
    assert find_repo_root([template]) == tmp_path / "repo"
    assert find_repo_root([nested]) == tmp_path / "repo"
    (nested / ".git").write_text("gitdir: ../../.git/worktrees/acr\n")  # a linked worktree or submodule
    assert find_repo_root([template]) == nested
    monkeypatch.chdir(tmp_path)
    outside = tmp_path / "loose"
    outside.mkdir()
    if not any((p / ".git").exists() for p in tmp_path.parents):
        assert find_repo_root([outside]) == tmp_path  # (no work tree: the current directory)
    if (ROOT / ".git").exists():  # (a checkout, not an unpacked archive)
        assert find_repo_root([ROOT / "fixtures" / "iac" / "arm"]) == ROOT
