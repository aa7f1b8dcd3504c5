"""Keep the SDKs' own log records off stderr while collecting.

azure-core, azure-identity, MSAL and urllib3 log through :mod:`logging` ("ClientSecretCredential.get_token
failed", "Incomplete download.", MSAL's "Token response is not in json format" with a traceback).
With no handler configured, Python prints every warning to stderr, so one failure came out as
several lines and a traceback. The collector says what went wrong itself, in one line; these
records are dropped for the duration of a collection.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

SDK_LOGGERS = ("azure", "msal", "urllib3")


@contextlib.contextmanager
def quiet_sdk_logs() -> Iterator[None]:
    """Drop the SDK loggers' records until the block ends, then restore them as they were."""
    saved: list[tuple[logging.Logger, bool, logging.Handler]] = []
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        handler: logging.Handler = logging.NullHandler()
        saved.append((logger, logger.propagate, handler))
        logger.addHandler(handler)
        logger.propagate = False
    try:
        yield
    finally:
        for logger, propagate, handler in saved:
            logger.removeHandler(handler)
            logger.propagate = propagate
