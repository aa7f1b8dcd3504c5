resource "azurerm_resource_group" "shop" {
  name     = "rg-shop"
  location = "westeurope"
}

resource "azurerm_container_registry" "shop" {
  name                = "acrshop"
  resource_group_name = azurerm_resource_group.shop.name
  location            = azurerm_resource_group.shop.location
  sku                 = "Premium"
}

resource "azurerm_kubernetes_cluster" "shop" {
  name                = "aks-shop"
  resource_group_name = azurerm_resource_group.shop.name
  location            = azurerm_resource_group.shop.location
  dns_prefix          = "aks-shop"

  default_node_pool {
    name       = "system"
    node_count = 3
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_role_assignment" "kubelet_pull" {
  scope                = azurerm_container_registry.shop.id
  role_definition_name = "AcrPull"
  principal_id         = azurerm_kubernetes_cluster.shop.kubelet_identity[0].object_id
}
