"""Turn Azure failures into the one-line explanations a troubleshooting guide would give.

Every failure of the collector is classified here, so the CLI prints the cause and the fix
(``az login``, the missing role and scope, the unreachable endpoint) instead of a traceback.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.errors import ExitCode, ScannerError


class CollectionFailed(ScannerError):
    """Collection could not start or continue at all (authentication, network, TLS)."""

    exit_code = ExitCode.COLLECTION


_AADSTS = re.compile(r"(AADSTS\d+)[:\s]+([^\r\n.]*)")


def error_code(exc: Any) -> str | None:
    """The ``error.code`` of an Azure error response, if any."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    if code:
        return str(code)
    response = getattr(exc, "response", None)
    try:
        body = response.json() if response is not None else None
    except Exception:  # not JSON
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        value = body["error"].get("code")
        return str(value) if value else None
    return None


def short_message(exc: BaseException, limit: int = 300) -> str:
    """The first line of an SDK error's message, without the SDK's boilerplate."""
    error = getattr(exc, "error", None)
    text = str(getattr(error, "message", None) or getattr(exc, "message", None) or exc)
    line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def explain_authentication(exc: BaseException, authority: str) -> CollectionFailed:
    """401 / AADSTS: say which credential failed and what to do about it."""
    text = str(exc)
    if "certificate" in text.lower() or "ssl" in text.lower():
        return explain_unreachable(exc, authority)
    found = _AADSTS.search(text)
    detail = f"{found.group(1)}: {found.group(2).strip()}" if found else short_message(exc)
    hint = "run 'az login' again, or check the client id and secret (an expired secret gives AADSTS7000222)"
    return CollectionFailed(f"authentication to {authority} failed: {detail}; {hint}")


def explain_unreachable(exc: BaseException, endpoint: str) -> CollectionFailed:
    """DNS, TLS or connection failures of an endpoint."""
    text = str(exc)
    lowered = text.lower()
    if "certificate" in lowered or "ssl" in lowered:
        cause = "TLS verification failed (is REQUESTS_CA_BUNDLE set to the CA that signs this endpoint?)"
    elif "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered:
        cause = "the host name does not resolve (check --cloud and DNS)"
    elif "refused" in lowered:
        cause = "the connection was refused"
    elif "timed out" in lowered or "timeout" in lowered:
        cause = "the connection timed out"
    else:
        cause = short_message(exc)
    return CollectionFailed(f"cannot reach {endpoint}: {cause}")


def forbidden_hint(scope: str, action: str) -> str:
    """What role is missing where, for a 403."""
    return f"the identity lacks {action} at {scope} (grant Reader there)"
