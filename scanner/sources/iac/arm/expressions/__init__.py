"""The ARM template expression language: parser, evaluator and the template functions.

A JSON string ``"[...]"`` is an expression (:mod:`.parser`). :mod:`.evaluator` walks the
parsed tree in a :class:`~.scope.Env` (a template's parameters and variables, inside its copy
loops), calling the functions of :mod:`.registry`, which gathers them from one module per
family: :mod:`.strings`, :mod:`.hashing`, :mod:`.arrays`, :mod:`.logic`, :mod:`.resources`
and :mod:`.deployment`.

A value that cannot be known before deployment (a parameter without a value, ``reference()``,
``utcNow()``, a function this scanner does not implement) is :class:`~.values.Unresolved`: it
carries the reason and a placeholder, the text that stands for it inside a string. Where a
rule reads such a value, the template reader turns it into :class:`scanner.unknown.Unknown`
with the expression in the reason.
"""
