resource "azurerm_container_registry" "acr" {
  name                = format("%1000000000d")
  resource_group_name = "rg"
  location            = "eastus"
  sku                 = "Premium"
}
