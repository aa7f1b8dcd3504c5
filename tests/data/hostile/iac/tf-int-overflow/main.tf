resource "azurerm_container_registry" "acr" {
  name                = "acr${9223372036854775807 * 9223372036854775807}"
  resource_group_name = "rg"
  location            = "eastus"
  sku                 = "Premium"
}
