"""Write the operator table of docs/rule-language.md from the operator registry.

    python scripts/rule_language_docs.py           # rewrite the generated part of the page
    python scripts/rule_language_docs.py --check   # exit 1 if the page is out of date

The page is prose written by hand plus one generated part between two marker lines;
``tests/test_rule_language.py`` fails when that part differs from the registry.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner.engine.operators.table import BEGIN, END, operator_table  # noqa: E402

PAGE = ROOT / "docs" / "rule-language.md"


def updated(page: str) -> str:
    """``page`` with the table between its markers made from the registry."""
    before, _, rest = page.partition(BEGIN)
    _, _, after = rest.partition(END + "\n")
    return before + operator_table() + after


if __name__ == "__main__":
    current = PAGE.read_text(encoding="utf-8")
    wanted = updated(current)
    if "--check" in sys.argv[1:]:
        if wanted != current:
            print(f"{PAGE} is out of date: run python scripts/rule_language_docs.py", file=sys.stderr)
        sys.exit(int(wanted != current))
    PAGE.write_text(wanted, encoding="utf-8")
