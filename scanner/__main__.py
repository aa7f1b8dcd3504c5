"""Allow ``python -m scanner`` as an alias of the ``acr-scan`` console script."""

from scanner.cli import console_main

console_main()
