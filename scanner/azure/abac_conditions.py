"""Which repositories an ABAC role assignment condition on a container registry admits.

Microsoft documents one shape for repository conditions (docs/access-model.md): a guard that
lists the data actions being restricted, OR-ed with comparisons of the repository name::

    (
      (
        !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})
        AND
        !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})
      )
      OR
      (
        @Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'team1/'
      )
    )

Actions outside the guard are not restricted. A condition of any other shape (an ``AND``
between repository comparisons, a negated comparison, another attribute) is not guessed at:
it comes back :class:`Unknown`, and whoever holds the assignment counts as possibly reaching
every repository.
"""

from __future__ import annotations

import re

import msgspec

from scanner.azure.facts import action_matches
from scanner.unknown import Unknown

_GUARD = re.compile(r"!\s*\(\s*ActionMatches\s*\{\s*'([^']*)'\s*\}\s*\)", re.IGNORECASE)
_ATTRIBUTE = r"@(?:Request|Resource)\[\s*Microsoft\.ContainerRegistry/registries/repositories:name\s*\]"
_COMPARISON = re.compile(
    _ATTRIBUTE + r"\s+(?:ForAnyOfAnyValues:)?(String(?:Equals|StartsWith|Like)(?:IgnoreCase)?)\s+"
    r"(\{\s*'[^']*'(?:\s*,\s*'[^']*')*\s*\}|'[^']*')",
    re.IGNORECASE,
)
_VALUES = re.compile(r"'([^']*)'")
# What may remain once the guard and the comparisons are taken out: grouping and OR.
_GLUE = re.compile(r"[\s()]|\bOR\b|\bAND\b|\|\||&&", re.IGNORECASE)
_MAX_LENGTH = 8192  # Azure's own limit on a condition's length


class RepositoryCondition(msgspec.Struct, frozen=True, gc=False):
    """A condition understood: the data actions it restricts and the repositories it admits."""

    restricted: frozenset[str]  # lower-cased data actions named by the guard
    patterns: tuple[str, ...]  # repository names; a trailing '*' matches any suffix

    def repositories(self, data_action: str) -> tuple[str, ...]:
        """The repositories ``data_action`` is admitted on: all (``*``) unless the guard names it."""
        return self.patterns if data_action.lower() in self.restricted else ("*",)


def _pattern(operator: str, value: str) -> str | None:
    """A comparison as a pattern in which '*' matches any run of characters (None: not expressible)."""
    op = operator.lower()
    if "*" in value and not op.startswith("stringlike"):
        return None  # a literal '*' in a name: ACR names cannot hold one, so the condition is odd
    return value + "*" if op.startswith("stringstartswith") else value


def repository_condition(condition: str) -> RepositoryCondition | Unknown:
    """Parse a role assignment's ``condition`` (see the module docstring)."""
    if len(condition) > _MAX_LENGTH:
        return Unknown("the role assignment's condition is longer than Azure allows")
    guarded = [m.group(1).lower() for m in _GUARD.finditer(condition)]
    patterns: list[str | None] = []
    for match in _COMPARISON.finditer(condition):
        patterns.extend(_pattern(match.group(1), v) for v in _VALUES.findall(match.group(2)))
    if None in patterns:
        return Unknown(f"condition compares the repository name with a literal '*': {condition[:200]}")
    rest = _COMPARISON.sub(" ", _GUARD.sub(" ", condition))
    if not guarded or not patterns or _GLUE.sub("", rest):
        return Unknown(f"condition not understood (only repository-name conditions are evaluated): {condition[:200]}")
    # The comparisons must be OR-ed with each other: an AND between two of them narrows the
    # set in a way a list of patterns cannot say. The guard's ANDs are expected.
    body = condition[condition.lower().rfind("actionmatches") :]
    between = _COMPARISON.split(body)
    if any(re.search(r"\bAND\b|&&", piece, re.IGNORECASE) for piece in between[3:-1:3]):
        return Unknown(f"condition combines repository comparisons with AND: {condition[:200]}")
    return RepositoryCondition(frozenset(guarded), tuple(sorted({p for p in patterns if p is not None})))


def matches(pattern: str, repository: str) -> bool:
    """Whether a repository name is admitted by one pattern (case-insensitive, like ACR's names)."""
    return action_matches(pattern, repository)
