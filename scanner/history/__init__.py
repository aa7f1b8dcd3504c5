"""Scan history: nights recorded in one SQLite file (``scan --history``), read by ``acr-scan history``."""
