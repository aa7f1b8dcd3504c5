"""IaC sources: ARM/Bicep JSON and Terraform, read into the live row shapes before deployment.

:class:`scanner.sources.iac.source.IacSource` finds the files (type detected from content),
hands each unit of files to the reader that claims its kind (:mod:`.readers`; every reader
returns :class:`scanner.sources.declarations.IacResource` rows in the live ARM shape, with file
and line), and assembles one snapshot document from them (:mod:`.assemble`), so the inventory,
the relations and every rule work unchanged.
"""
