"""ARM templates (and Bicep compiled with ``az bicep build``) read into declared resources in their live shape.

What is read (:mod:`.template`):

* top-level resources (a list, or the symbolic-name object of ``languageVersion 2.0``; an
  ``existing`` resource is a reference, not a deployment) and child resources nested in
  ``resources`` (type and name extended from the parent's), including the old extension form
  ``.../registries/providers/roleAssignments`` named ``acr/Microsoft.Authorization/<guid>``;
* ``copy`` loops on resources and on properties, ``copyIndex()`` with loop names and offsets,
  and ``condition`` (false: not deployed, so skipped; unresolved: kept);
* parameters (defaults, and values from parameters files), variables (including variables
  built from other variables and variable copy loops), evaluated by :mod:`.expressions`;
* nested ``Microsoft.Resources/deployments``, inline or linked by ``relativePath``
  (:mod:`.deployments`);
* extension resources (role assignments, diagnostic settings) with a ``scope``.
"""
