"""Results sent where Azure teams already look (``acr-scan export``): a Log Analytics workspace."""
