"""Allow ``python -m scanner`` as an alias of the ``acr-scan`` console script."""

from scanner.launch import console_main

console_main()
