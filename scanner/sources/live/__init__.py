"""Live collection from Azure: Resource Graph, a few ARM calls and Microsoft Graph.

Everything here only *reads* (Reader on the scopes, Graph ``Application.Read.All``) and
writes a snapshot (docs/snapshot-format.md); it never evaluates policy. Azure SDK modules are imported
here and nowhere else, so a snapshot scan never pays their import time.
"""
