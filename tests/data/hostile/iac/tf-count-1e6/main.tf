resource "azurerm_container_registry" "acr" {
  count               = 1000000
  name                = "acr${count.index}"
  resource_group_name = "rg"
  location            = "eastus"
  sku                 = "Premium"
}
