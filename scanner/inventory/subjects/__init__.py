"""Subjects: the documents rules are evaluated against, one module per subject kind.

A subject document is a plain mapping: the raw Azure properties plus the relations the
inventory resolved. :mod:`.kinds` lists the kinds and the function enumerating each; the
fields of each kind's document are described by its JSON Schema (``scanner/schemas/subjects``,
see docs/subject-documents.md).
"""
