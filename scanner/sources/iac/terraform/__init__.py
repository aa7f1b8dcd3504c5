"""Terraform readers: ``.tf`` source and ``terraform show -json`` plans → declared resources.

:func:`.module.read_tf` reads module directories of ``.tf`` / ``.tf.json`` files (parsed by
:mod:`.parse`, evaluated by :mod:`.evaluate` and :mod:`.configuration`), :func:`.plan.read_plan`
a plan file. Both reduce each resource instance to its attribute map and hand it to
:mod:`.translate`, which builds the row Azure would return. The user's view is in docs/iac.md
and docs/iac-terraform.md.
"""
