"""SARIF 2.1.0 for GitHub code scanning and Azure DevOps: one run per file, one tool.

Two profiles: ``github`` (what code scanning accepts: ``fail`` and ``unknown`` results only)
and ``audit`` (also ``suppressed`` results, each with a SARIF ``suppressions`` entry carrying
its justification; GitHub ignores suppressions, so never upload this profile there).

One module per job: :mod:`.document` (which findings, the run, the size limits),
:mod:`.results` (one result per finding, notifications), :mod:`.rules` (rule descriptors,
levels), :mod:`.locations` (file and pseudo-path locations, fingerprints). The document is
built as plain dicts rather than with ``sarif-om`` (docs/decisions/0006-sarif-as-plain-dicts.md)
and is validated in the tests against the OASIS schema and by Microsoft's SARIF Multitool with
GitHub's rule set.
"""

from __future__ import annotations

from scanner.outputs.sarif.document import PROFILES, SarifFormat

__all__ = ["PROFILES", "SarifFormat"]
