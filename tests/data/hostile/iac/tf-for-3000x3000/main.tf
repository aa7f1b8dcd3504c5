locals {
  xs    = range(3000)
  pairs = [for a in local.xs : [for b in local.xs : "${a}-${b}"]]
}

resource "azurerm_container_registry" "acr" {
  name                = length(local.pairs) > 0 ? "acr" : "other"
  resource_group_name = "rg"
  location            = "eastus"
  sku                 = "Premium"
}
