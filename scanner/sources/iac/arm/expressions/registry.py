"""The one table of template functions: lower-case name → implementation, gathered from the families.

Adding a function is its implementation in its family's module, decorated with its name and
how it takes its arguments (:class:`~.context.Family`: ``@family.strict("length", arity=(1, 1))``),
which puts it in the family's ``FUNCTIONS`` (or ``LAZY``, for a function that evaluates its own
arguments); adding a family is one module and one line here. A name in no table is unresolved
when evaluated: "only known after deployment" for :data:`RUNTIME` names and ``list*``
functions, "not supported by this scanner" for the rest.
"""

from __future__ import annotations

from scanner.sources.iac.arm.expressions import (
    arrays,
    cidr,
    conversions,
    deployment,
    hashing,
    lambdas,
    logic,
    objects,
    resources,
    strings,
)
from scanner.sources.iac.arm.expressions.context import Function, LazyFunction

#: The function families, each a module with a ``FUNCTIONS`` table (and maybe a ``LAZY`` one).
FAMILIES = (strings, hashing, arrays, logic, resources, deployment, objects, lambdas, cidr, conversions)

FUNCTIONS: dict[str, Function] = {name: f for family in FAMILIES for name, f in family.FUNCTIONS.items()}

LAZY: dict[str, LazyFunction] = {**logic.LAZY, **lambdas.LAZY}

#: Functions whose value only Azure knows, at deployment.
RUNTIME = frozenset(
    {
        "references",
        "deployer",
        "newguid",
        "utcnow",
        "pickzones",
        "providers",
        "managementgroup",
        "managementgroupresourceid",
        "listkeys",
        "listsecrets",
        "listcredentials",
        "listaccountsas",
        "listservicesas",
        "listcallbackurl",
    }
)
