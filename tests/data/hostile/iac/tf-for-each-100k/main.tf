locals {
  registries = { for i in range(100000) : "r${i}" => i }
}

resource "azurerm_container_registry" "acr" {
  for_each            = local.registries
  name                = "acr${each.key}"
  resource_group_name = "rg"
  location            = "eastus"
  sku                 = "Premium"
}
