"""acr-policy-scanner: policy-as-code compliance scanning for Azure Container Registry.

The package is a pipeline: ``sources`` read raw Azure payloads, ``inventory`` turns them into
one typed model with resolved relations, ``engine`` evaluates YAML rules against subjects of
that model, ``results`` holds the findings and ``outputs`` render them.
"""

__version__ = "0.1.0"
