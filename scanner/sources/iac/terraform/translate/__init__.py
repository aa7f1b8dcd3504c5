"""Terraform resources (azurerm / azapi attribute maps) → live ARM / Resource Graph rows.

One translator module per resource family, registered by Terraform type in
:mod:`.translators`; shared helpers in :mod:`.rows`, synthetic ids in :mod:`.resource_ids`.
The resources read and their rows are listed in docs/iac-terraform.md.
"""
