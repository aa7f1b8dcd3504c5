resource "azurerm_container_registry" "acr" {
  name                = length(range(1000000000)) > 0 ? "acr" : "other"
  resource_group_name = "rg"
  location            = "eastus"
  sku                 = "Premium"
}
