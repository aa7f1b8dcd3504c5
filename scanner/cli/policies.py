"""``acr-scan policies list|show|validate|test|schema|subjects``: the rule pack, for authors and auditors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from scanner.engine.loader import load_rule_file, load_rules, rule_files
from scanner.engine.rule import compile_rule
from scanner.engine.rule_schema import rule_schema_bytes
from scanner.errors import ExitCode, InputError
from scanner.outputs.terminal import safe_bytes, safe_multiline, safe_text


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``policies`` and its subcommands."""
    pol = commands.add_parser("policies", help="list, show, validate and test rules")
    pol_sub = pol.add_subparsers(dest="policies_command", required=True)
    p_list = pol_sub.add_parser("list", help="list the rules")
    p_list.add_argument("--policies", type=Path, action="append", default=[], metavar="DIR")
    p_list.add_argument("--format", choices=["table", "json"], default="table")
    p_show = pol_sub.add_parser("show", help="print one rule's YAML")
    p_show.add_argument("rule_id")
    p_show.add_argument("--policies", type=Path, action="append", default=[], metavar="DIR")
    p_validate = pol_sub.add_parser("validate", help="validate and compile every rule file in DIR")
    p_validate.add_argument("directory", type=Path)
    p_test = pol_sub.add_parser("test", help="run every rule's own examples (default: the built-in pack)")
    p_test.add_argument("directory", type=Path, nargs="?")
    p_test.add_argument("--verbose", "-v", action="store_true")
    pol_sub.add_parser("schema", help="print the rule JSON Schema")
    p_subjects = pol_sub.add_parser("subjects", help="list the subject kinds, or print one kind's document schema")
    p_subjects.add_argument("kind", nargs="?", help="a subject kind: print the JSON Schema of its documents")


def run(args: argparse.Namespace) -> int:
    command = args.policies_command
    if command == "schema":
        sys.stdout.buffer.write(rule_schema_bytes())
        return 0
    if command == "subjects":
        return _subjects(args.kind)
    if command == "validate":
        files = rule_files(args.directory)
        for path in files:
            compile_rule(load_rule_file(path))
        print(safe_text(f"{len(files)} rule file(s) in {args.directory} are valid"))
        return 0
    if command == "test":
        from scanner.engine.examples import run_examples

        if args.directory is None:
            specs = load_rules()
        else:
            specs = [load_rule_file(p) for p in rule_files(args.directory)]
        failed = 0
        total = 0
        for spec in specs:
            for r in run_examples(spec):
                total += 1
                if not r.ok:
                    failed += 1
                    print(
                        safe_text(
                            f"FAIL {r.rule_id} {r.expected}[{r.index}] {r.description}: got {r.actual}: {r.detail}"
                        )
                    )
                elif args.verbose:
                    print(safe_text(f"ok   {r.rule_id} {r.expected}[{r.index}] {r.description}"))
        print(f"{len(specs)} rules, {total} examples: {total - failed} passed, {failed} failed")
        return int(ExitCode.FINDINGS) if failed else 0
    specs = load_rules(args.policies)
    if command == "list":
        if args.format == "json":
            rows = [
                {
                    "id": s.id,
                    "title": s.data["title"],
                    "severity": s.data["severity"],
                    "subject": s.data["subject"],
                    "default_enabled": s.data.get("default_enabled", True) is not False,
                    "path": str(s.path),
                }
                for s in specs
            ]
            data = orjson.dumps(rows, option=orjson.OPT_INDENT_2) + b"\n"
            sys.stdout.buffer.write(safe_bytes(data) if sys.stdout.isatty() else data)
        else:
            for s in specs:
                off = " (off by default: --enable)" if s.data.get("default_enabled", True) is False else ""
                print(safe_text(f"{s.id}  {s.data['severity']:<8} {s.data['subject']:<16} {s.data['title']}{off}"))
        return 0
    for s in specs:
        if s.id == args.rule_id:
            sys.stdout.write(safe_multiline(s.text))
            return 0
    raise InputError(f"unknown rule id {args.rule_id!r} (see 'acr-scan policies list')")


def _subjects(kind: str | None) -> int:
    """The subject kinds with their one-line summaries, or one kind's document schema."""
    from scanner.inventory.subjects.kinds import ENUMERATORS, subject_schema

    if kind is not None:
        sys.stdout.buffer.write(orjson.dumps(subject_schema(kind), option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    width = max(map(len, ENUMERATORS))
    for name in ENUMERATORS:
        print(safe_text(f"{name:<{width}}  {subject_schema(name)['title']}"))
    return 0
