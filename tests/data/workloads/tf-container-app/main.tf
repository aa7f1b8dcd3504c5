# A Container App and a Linux web app pulling with user-assigned identities: the app names two
# registries and holds AcrPull on one (ACR-050 passes there and fails on the other); the web
# app's identity holds AcrPush (ACR-050 passes, ACR-055 fails).

resource "azurerm_container_registry" "payments" {
  name                = "acrpayments"
  resource_group_name = "rg-payments"
  location            = "westeurope"
  sku                 = "Premium"
}

resource "azurerm_container_registry" "shared" {
  name                = "acrshared"
  resource_group_name = "rg-payments"
  location            = "westeurope"
  sku                 = "Premium"
}

resource "azurerm_user_assigned_identity" "payments" {
  name                = "id-payments"
  resource_group_name = "rg-payments"
  location            = "westeurope"
}

resource "azurerm_container_app_environment" "payments" {
  name                = "cae-payments"
  resource_group_name = "rg-payments"
  location            = "westeurope"
}

resource "azurerm_container_app" "payments" {
  name                         = "payments-api"
  resource_group_name          = "rg-payments"
  container_app_environment_id = azurerm_container_app_environment.payments.id
  revision_mode                = "Single"

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.payments.id]
  }

  registry {
    server   = azurerm_container_registry.payments.login_server
    identity = azurerm_user_assigned_identity.payments.id
  }

  registry {
    server   = "acrshared.azurecr.io"
    identity = azurerm_user_assigned_identity.payments.id
  }

  template {
    container {
      name   = "api"
      image  = "acrpayments.azurecr.io/payments/api:2.4.1"
      cpu    = 0.5
      memory = "1Gi"
    }
    container {
      name   = "fraud"
      image  = "acrshared.azurecr.io/shared/fraud-scorer:1.9"
      cpu    = 0.5
      memory = "1Gi"
    }
  }
}

resource "azurerm_role_assignment" "payments_pull" {
  scope                = azurerm_container_registry.payments.id
  role_definition_name = "AcrPull"
  principal_id         = azurerm_user_assigned_identity.payments.principal_id
}

resource "azurerm_user_assigned_identity" "shop" {
  name                = "id-shop"
  resource_group_name = "rg-payments"
  location            = "westeurope"
}

resource "azurerm_linux_web_app" "shop" {
  name                = "shop-web"
  resource_group_name = "rg-payments"
  location            = "westeurope"
  service_plan_id     = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-payments/providers/Microsoft.Web/serverFarms/asp-shop"

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.shop.id]
  }

  site_config {
    container_registry_use_managed_identity       = true
    container_registry_managed_identity_client_id = azurerm_user_assigned_identity.shop.client_id

    application_stack {
      docker_image_name   = "shop/storefront:3.2"
      docker_registry_url = "https://${azurerm_container_registry.shared.login_server}"
    }
  }
}

resource "azurerm_role_assignment" "shop_push" {
  scope                = azurerm_container_registry.shared.id
  role_definition_name = "AcrPush"
  principal_id         = azurerm_user_assigned_identity.shop.principal_id
}
