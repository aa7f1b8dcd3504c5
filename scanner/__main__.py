"""Allow ``python -m scanner`` as an alias of the ``acr-scan`` console script."""

from scanner.cli import main

raise SystemExit(main())
