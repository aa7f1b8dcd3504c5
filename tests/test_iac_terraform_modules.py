"""Terraform ``module`` blocks in ``.tf`` source: inputs, outputs, instances, nesting, sources, limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.errors import InputError
from scanner.results import Status
from scanner.scan import prepare_rules, run_scan
from scanner.sources.declarations import UNREAD_MODULE, IacResource
from scanner.sources.iac.source import IacSource
from scanner.sources.iac.terraform.module import read_tf
from scanner.sources.iac.terraform.module_sources import MANIFEST_BYTES, MODULE_DEPTH
from scanner.unknown import Unknown

REGISTRY_MODULE = """
variable "name" {
  type = string
}
variable "settings" {
  type = object({
    sku    = optional(string, "Premium")
    admin  = optional(bool, false)
    public = optional(bool, true)
  })
  default  = {}
  nullable = false
}
resource "azurerm_container_registry" "this" {
  name                          = var.name
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = var.settings.sku
  admin_enabled                 = var.settings.admin
  public_network_access_enabled = var.settings.public
}
output "id" {
  value = azurerm_container_registry.this.id
}
output "login_server" {
  value = azurerm_container_registry.this.login_server
}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def read(root: Path, files: dict[str, str], path: str = ".") -> list[IacResource]:
    write(root, files)
    return read_tf([root / path], root)


def registries(resources: list[IacResource]) -> dict[str, IacResource]:
    return {r.address or "": r for r in resources if r.row["type"] == "Microsoft.ContainerRegistry/registries"}


def test_a_local_module_gets_the_call_arguments_and_its_typed_defaults(tmp_path: Path) -> None:
    main = 'module "acr" {\n  source   = "./modules/acr"\n  name     = "acrone"\n  settings = { admin = true }\n}\n'
    found = registries(read(tmp_path, {"main.tf": main, "modules/acr/main.tf": REGISTRY_MODULE}))
    registry = found["module.acr.azurerm_container_registry.this"]
    assert registry.row["name"] == "acrone"
    assert registry.row["sku"]["name"] == "Premium"  # optional(string, "Premium") filled in
    assert registry.row["properties"]["adminUserEnabled"] is True
    assert registry.file == "modules/acr/main.tf"
    assert registry.line == REGISTRY_MODULE.splitlines().index('resource "azurerm_container_registry" "this" {') + 1
    [call] = registry.module_calls
    assert (call.address, call.file, call.line) == ("module.acr", "main.tf", 1)


def test_a_null_argument_for_a_non_nullable_variable_takes_the_default(tmp_path: Path) -> None:
    main = 'module "acr" {\n  source   = "./m"\n  name     = "acrnull"\n  settings = null\n}\n'
    registry = registries(read(tmp_path, {"main.tf": main, "m/main.tf": REGISTRY_MODULE}))
    assert registry["module.acr.azurerm_container_registry.this"].row["sku"]["name"] == "Premium"


def test_count_and_for_each_on_module_calls_give_instance_addresses(tmp_path: Path) -> None:
    main = """
module "counted" {
  source = "./m"
  count  = 2
  name   = "acrcount${count.index}"
}
module "keyed" {
  source   = "./m"
  for_each = { dev = "Basic", prod = "Premium" }
  name     = "acr${each.key}"
  settings = { sku = each.value }
}
module "none" {
  source = "./m"
  count  = 0
  name   = "acrnone"
}
"""
    found = registries(read(tmp_path, {"main.tf": main, "m/main.tf": REGISTRY_MODULE}))
    assert sorted(found) == [
        "module.counted[0].azurerm_container_registry.this",
        "module.counted[1].azurerm_container_registry.this",
        'module.keyed["dev"].azurerm_container_registry.this',
        'module.keyed["prod"].azurerm_container_registry.this',
    ]
    assert found['module.keyed["dev"].azurerm_container_registry.this'].row["sku"]["name"] == "Basic"
    assert found["module.counted[1].azurerm_container_registry.this"].row["name"] == "acrcount1"
    assert found['module.keyed["prod"].azurerm_container_registry.this'].module_calls[0].address == (
        'module.keyed["prod"]'
    )


def test_module_outputs_are_the_values_the_module_declares(tmp_path: Path) -> None:
    main = """
module "acr" {
  source = "./m"
  name   = "acrout"
}
module "keyed" {
  source   = "./m"
  for_each = toset(["a"])
  name     = "acrkeyed${each.key}"
}
resource "azurerm_role_assignment" "pull" {
  scope                = module.acr.id
  role_definition_name = "AcrPull"
  principal_id         = "11111111-1111-1111-1111-111111111111"
  principal_type       = "ServicePrincipal"
}
resource "azurerm_container_registry" "copy" {
  name                = replace(module.acr.login_server, ".azurecr.io", "copy")
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Basic"
}
resource "azurerm_role_assignment" "splat" {
  scope                = one(module.keyed[*].id)
  role_definition_name = "AcrPull"
  principal_id         = "22222222-2222-2222-2222-222222222222"
  principal_type       = "ServicePrincipal"
}
resource "azurerm_role_assignment" "keyed" {
  scope                = module.keyed["a"].id
  role_definition_name = "AcrPull"
  principal_id         = "11111111-1111-1111-1111-111111111111"
  principal_type       = "ServicePrincipal"
}
"""
    resources = read(tmp_path, {"main.tf": main, "m/main.tf": REGISTRY_MODULE})
    registry = registries(resources)["module.acr.azurerm_container_registry.this"]
    keyed = registries(resources)['module.keyed["a"].azurerm_container_registry.this']
    roles = {r.address: r.row for r in resources if r.row["type"] == "Microsoft.Authorization/roleAssignments"}
    assert roles["azurerm_role_assignment.pull"]["properties"]["scope"] == registry.row["id"]
    assert roles["azurerm_role_assignment.keyed"]["properties"]["scope"] == keyed.row["id"]
    assert roles["azurerm_role_assignment.splat"]["properties"]["scope"] == keyed.row["id"]
    assert registries(resources)["azurerm_container_registry.copy"].row["name"] == "acroutcopy"


def test_nested_modules_chain_their_addresses_and_calls(tmp_path: Path) -> None:
    outer = 'module "inner" {\n  source = "../inner"\n  name   = var.name\n}\nvariable "name" {}\n'
    files = {
        "main.tf": 'module "outer" {\n  source = "./outer"\n  name   = "acrnested"\n}\n',
        "outer/main.tf": outer,
        "inner/main.tf": REGISTRY_MODULE,
    }
    [registry] = registries(read(tmp_path, files)).values()
    assert registry.address == "module.outer.module.inner.azurerm_container_registry.this"
    assert registry.row["name"] == "acrnested"
    assert [(c.address, c.file, c.line) for c in registry.module_calls] == [
        ("module.outer", "main.tf", 1),
        ("module.outer.module.inner", "outer/main.tf", 1),
    ]


def test_a_variable_the_call_leaves_out_without_default_is_unknown(tmp_path: Path) -> None:
    found = registries(
        read(tmp_path, {"main.tf": 'module "acr" {\n  source = "./m"\n}\n', "m/main.tf": REGISTRY_MODULE})
    )
    name = found["module.acr.azurerm_container_registry.this"].row["name"]
    assert isinstance(name, Unknown)
    assert "variable 'name' of module.acr has no default and no argument in the call" in name.reason


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("Azure/avm-res-containerregistry-registry/azurerm", "was not downloaded: run `terraform init` or scan a plan"),
        ("git::https://example.com/acr.git?ref=v1", "was not downloaded: run `terraform init` or scan a plan"),
        ("./missing", "local source ./missing is not a directory"),
    ],
)
def test_a_module_whose_code_is_not_on_disk_stands_as_an_unread_module(
    tmp_path: Path, source: str, reason: str
) -> None:
    main = 'module "outer" {\n  source = "./outer"\n}\n'
    outer = f'module "acr" {{\n  source = "{source}"\n  name   = "x"\n}}\n'
    resources = read(tmp_path, {"main.tf": main, "outer/main.tf": outer})
    [unread] = [r for r in resources if r.row["type"] == UNREAD_MODULE]
    assert unread.row["id"] == "module.outer.module.acr"
    assert reason in unread.row["message"]
    assert (unread.file, unread.line) == ("outer/main.tf", 1)


def test_a_module_output_of_an_unread_module_is_unknown_with_the_reason(tmp_path: Path) -> None:
    main = """
module "naming" {
  source = "Azure/naming/azurerm"
}
resource "azurerm_container_registry" "r" {
  name                = module.naming.container_registry.name_unique
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
}
"""
    [registry] = registries(read(tmp_path, {"main.tf": main})).values()
    assert isinstance(registry.row["name"], Unknown)
    assert 'module "naming" from Azure/naming/azurerm was not downloaded' in registry.row["name"].reason


def test_modules_json_keys_nested_calls_by_their_path(tmp_path: Path) -> None:
    outer = 'module "acr" {\n  source = "example.com/acr/azurerm"\n  name   = "acrmanifest"\n}\n'
    manifest = {
        "Modules": [
            {"Key": "", "Source": "", "Dir": "."},
            {"Key": "outer", "Source": "example.com/outer/azurerm", "Dir": ".terraform/modules/outer"},
            {"Key": "outer.acr", "Source": "example.com/acr/azurerm", "Dir": ".terraform/modules/outer.acr"},
        ]
    }
    files = {
        "main.tf": 'module "outer" {\n  source = "example.com/outer/azurerm"\n}\n',
        ".terraform/modules/outer/main.tf": outer,
        ".terraform/modules/outer.acr/main.tf": REGISTRY_MODULE,
        ".terraform/modules/modules.json": json.dumps(manifest),
    }
    [registry] = registries(read(tmp_path, files)).values()
    assert registry.address == "module.outer.module.acr.azurerm_container_registry.this"
    assert registry.file == ".terraform/modules/outer.acr/main.tf"


def test_arguments_are_converted_to_the_variables_type(tmp_path: Path) -> None:
    module = """
variable "flags" {
  type = object({ admin = bool, zones = set(string), extra = optional(map(string), { a = "b" }) })
}
resource "azurerm_container_registry" "this" {
  name                = "acrtyped"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
  admin_enabled       = var.flags.admin
  tags = merge(var.flags.extra, { zones = join(",", var.flags.zones), keys = join(",", keys(var.flags)) })
}
"""
    main = 'module "m" {\n  source = "./m"\n  flags  = { admin = "true", zones = ["2", "1", "2"], dropped = 1 }\n}\n'
    [registry] = registries(read(tmp_path, {"main.tf": main, "m/main.tf": module})).values()
    assert registry.row["properties"]["adminUserEnabled"] is True  # "true" converted to bool
    assert registry.row["tags"] == {"a": "b", "zones": "1,2", "keys": "admin,extra,zones"}


def test_null_tests_and_map_conversions_keep_what_is_known(tmp_path: Path) -> None:
    main = """
variable "tokens" {
  default = {
    a = { passwords = { expiry = timestamp() } }
    b = { passwords = null }
  }
}
resource "azurerm_container_registry" "r" {
  for_each            = tomap({ for k, v in var.tokens : k => v if v.passwords != null })
  name                = "acr${each.key}"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
}
"""
    # An object whose parts are unknown is still not null; tomap() keeps the unknown inside.
    assert list(registries(read(tmp_path, {"main.tf": main}))) == ['azurerm_container_registry.r["a"]']


def test_modules_whose_arguments_need_each_others_outputs_are_unknown_not_endless(tmp_path: Path) -> None:
    module = REGISTRY_MODULE + 'output "name" {\n  value = var.name\n}\n'
    main = """
module "a" {
  source = "./m"
  name   = module.b.name
}
module "b" {
  source = "./m"
  name   = module.a.name
}
"""
    found = registries(read(tmp_path, {"main.tf": main, "m/main.tf": module}))
    assert all(isinstance(r.row["name"], Unknown) for r in found.values())
    assert any("refer to its own outputs" in r.row["name"].reason for r in found.values())


def test_a_finding_names_every_call_of_a_nested_module(tmp_path: Path) -> None:
    outer = 'module "inner" {\n  source = "../inner"\n  name   = "acrnestedmsg"\n}\n'
    write(tmp_path, {"main.tf": 'module "outer" {\n  source = "./outer"\n}\n', "outer/main.tf": outer})
    write(tmp_path, {"inner/main.tf": REGISTRY_MODULE})
    config = Config()
    rules, pack = prepare_rules(config)
    source = IacSource([tmp_path], tmp_path, collected_at="2026-11-27T00:00:00Z")
    findings = run_scan(source, rules, pack, config, None).findings
    public = next(f for f in findings if f.rule_id == "ACR-021")
    assert public.status is Status.FAIL
    assert public.location is not None and public.location.file == "inner/main.tf"
    assert public.message.endswith("(module.outer.module.inner, called at main.tf:1, outer/main.tf:1)")


def test_children_of_a_registry_with_an_unknown_name_stay_under_it(tmp_path: Path) -> None:
    main = """
variable "name" {}
resource "azurerm_container_registry" "a" {
  name                = var.name
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
}
resource "azurerm_container_registry_scope_map" "s" {
  name                    = "pull"
  container_registry_name = azurerm_container_registry.a.name
  resource_group_name     = "rg"
  actions                 = ["repositories/*/content/read"]
}
resource "azurerm_container_registry" "b" {
  name                = "acrb"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
  tags                = { twin = azurerm_container_registry.a.name }
}
"""
    resources = {r.address: r.row for r in read(tmp_path, {"main.tf": main})}
    registry_id = resources["azurerm_container_registry.a"]["id"]
    assert resources["azurerm_container_registry_scope_map.s"]["id"] == f"{registry_id}/scopeMaps/pull"
    # Rows hold plain unknowns: the rule engine recognises an unknown by its exact type.
    assert type(resources["azurerm_container_registry.b"]["tags"]["twin"]) is Unknown


# --------------------------------------------------------------------------- hostile input


def test_a_module_that_calls_itself_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^main\.tf:1: module 'self' calls .*\(a module cycle\)$"):
        read(tmp_path, {"main.tf": 'module "self" {\n  source = "./"\n}\n'})


def test_modules_nested_past_the_limit_are_refused(tmp_path: Path) -> None:
    files = {"main.tf": 'module "m" {\n  source = "./m0"\n}\n'}
    for level in range(MODULE_DEPTH + 1):
        files[f"m{level}/main.tf"] = f'module "m" {{\n  source = "../m{level + 1}"\n}}\n'
    files[f"m{MODULE_DEPTH + 1}/main.tf"] = ""
    with pytest.raises(InputError, match=rf"modules nest more than {MODULE_DEPTH} deep \(the limit\)$"):
        read(tmp_path, files)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {
                "main.tf": 'module "a" {\n  source = "./a"\n}\n',
                "a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
                "b/main.tf": 'module "a" {\n  source = "../a"\n}\n',
            },
            r"^b/main\.tf:1: module 'a' calls a, .*\(a module cycle\)$",
            id="mutual-cycle",
        ),
        pytest.param(
            {"main.tf": 'module "m" {\n  source = "./m"\n  count  = 10001\n}\n', "m/main.tf": ""},
            r"^main\.tf:3: module\.m: count = 10001 is over the limit of 10000$",
            id="instances-of-one-call",
        ),
        pytest.param(
            {
                "main.tf": 'module "m" {\n  source = "./m"\n  count  = 200\n}\n',
                "m/main.tf": 'module "n" {\n  source = "../n"\n  count  = 200\n}\n',
                "n/main.tf": "",
            },
            r"more than 20000 resource instances in one scan \(the limit\)$",
            id="fan-out",
        ),
    ],
)
def test_module_trees_past_a_limit_are_refused(tmp_path: Path, files: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read(tmp_path, files)
    assert "\n" not in str(caught.value)


def test_a_module_manifest_over_its_size_limit_is_refused(tmp_path: Path) -> None:
    files = {
        "main.tf": 'module "m" {\n  source = "example.com/m/azurerm"\n}\n',
        ".terraform/modules/modules.json": '{"Modules": []}' + " " * MANIFEST_BYTES,
    }
    with pytest.raises(
        InputError, match=rf"modules\.json: module manifest is \d+ bytes, over the limit of {MANIFEST_BYTES}$"
    ):
        read(tmp_path, files)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"Modules": [', r"modules\.json:1:\d+: malformed module manifest: "),
        ('{"Modules": {}}', r'modules\.json:1:1: not a Terraform module manifest \(no "Modules" list\)$'),
        ('{"Modules": [{"Key": 1}]}', r"modules\.json: Modules\[0\] lacks a string Key and Dir$"),
    ],
)
def test_a_malformed_module_manifest_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    files = {
        "main.tf": 'module "m" {\n  source = "example.com/m/azurerm"\n}\n',
        ".terraform/modules/modules.json": text,
    }
    with pytest.raises(InputError, match=message) as caught:
        read(tmp_path, files)
    assert "\n" not in str(caught.value)


def test_a_module_outside_the_scanned_folders_and_repository_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"outside/main.tf": REGISTRY_MODULE, "repo/main.tf": 'module "m" {\n  source = "../outside"\n}\n'})
    with pytest.raises(InputError, match=r"^main\.tf:1: module 'm' reads .*outside, outside the scanned folders"):
        read_tf([tmp_path / "repo"], tmp_path / "repo")
