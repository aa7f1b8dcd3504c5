"""Step 4, the token: Entra token → ACR refresh token → access token for one scope.

The Entra token is asked for the registry audience (``https://containerregistry.azure.net``),
which a registry accepts whatever its ``azureADAuthenticationAsArmPolicy`` says (ACR-053 is
about workloads that can only send ARM-audience tokens). It is sent only to the host the
challenge named, which the challenge step has checked is the login server itself.

No token is ever printed, logged or written: the evidence holds the decoded ``access`` claim
and a few non-secret claims, and any text quoted from an answer has token-shaped strings cut.
"""

from __future__ import annotations

import base64
import re
import ssl
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson

from scanner.probe.challenge_step import Challenge
from scanner.probe.model import StepResult, Target
from scanner.probe.net import NetError, Response, fetch
from scanner.probe.predict import pull_prediction

ACR_AUDIENCE = "https://containerregistry.azure.net/.default"
_JWTISH = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")


class NoEntraToken(Exception):
    """The credential gave no token; the message says why (never the token)."""


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with every given secret and every JWT-shaped string replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return _JWTISH.sub("<redacted>", text)


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, decoded without checking the signature (it only labels what was granted)."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _field(answer: Response, name: str) -> str | None:
    try:
        body = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        return None
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def _access(claims: dict[str, Any]) -> list[dict[str, Any]]:
    entries = claims.get("access")
    kept = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            actions = entry.get("actions")
            kept.append(
                {
                    "type": str(entry.get("type", ""))[:64],
                    "name": str(entry.get("name", ""))[:256],
                    "actions": [str(a)[:32] for a in actions[:16]] if isinstance(actions, list) else [],
                }
            )
    return kept[:32]


class TokenProbe:
    """The token step of one registry: ``entra`` gives the (shared) Entra token or raises :class:`NoEntraToken`."""

    def __init__(
        self, target: Target, address: str, context: ssl.SSLContext, timeout: float, entra: Callable[[], str]
    ) -> None:
        self.target, self.address, self.context, self.timeout = target, address, context, timeout
        self.entra = entra
        self.secrets: tuple[str, ...] = ()
        self.evidence: dict[str, Any] = {}
        self.repository: str | None = None

    def _post(self, path: str, form: dict[str, str]) -> Response:
        return fetch(
            self.address,
            self.target.port,
            self.target.login_server,
            self.context,
            self.timeout,
            "POST",
            path,
            urlencode(form),
        )

    def _refused(self, what: str, answer: Response) -> str:
        text = redact(answer.body[:300].decode("utf-8", "replace"), self.secrets).replace("\n", " ")
        return f"{what} answered HTTP {answer.status} ({text.strip()!r})"

    def run(self, challenge: Challenge, repository: str | None) -> StepResult:
        self.repository = repository
        scope = f"repository:{repository}:pull" if repository else "registry:catalog:*"
        self.evidence["scope"] = scope
        try:
            return self._run(challenge, scope, repository)
        except NetError as exc:
            return self._result(
                "fail", f"{redact(exc.message, self.secrets)}: the token endpoint did not answer in time or in shape"
            )

    def _result(self, status: str, cause: str, fix: str | None = None, notes: tuple[str, ...] = ()) -> StepResult:
        predicted, agrees = self._predicted(status)
        return StepResult("token", status, cause, fix, self.evidence, predicted, agrees, notes)

    def _predicted(self, status: str) -> tuple[str | None, bool | None]:
        """The snapshot's prediction for this identity (known once its Entra token is read), and
        whether the outcome agrees: a predicted pull that fails, or a refused one that works,
        points at drift since the snapshot or at a role the collection could not see."""
        anonymous = self.target.prediction.token
        oid = self.evidence.get("identity", {}).get("oid")
        about = pull_prediction(self.target.prediction.access, oid, self.repository)
        sentence, pulls = about if about is not None else (None, None)
        text = "; ".join(t for t in (anonymous, sentence) if t) or None
        if pulls is None or self.repository is None or status not in ("ok", "fail"):
            return text, None
        return text, pulls == (status == "ok")

    def _run(self, challenge: Challenge, scope: str, repository: str | None) -> StepResult:
        try:
            entra = self.entra()
        except NoEntraToken as exc:
            return self._result(
                "fail",
                f"no Microsoft Entra token: {exc}",
                "az login  # or set AZURE_CLIENT_ID/AZURE_TENANT_ID, or pick --auth",
            )
        claims = jwt_claims(entra)
        self.secrets = (entra,)
        self.evidence["identity"] = {k: str(claims[k])[:64] for k in ("oid", "tid", "appid") if k in claims}
        form = {"grant_type": "access_token", "service": challenge.service, "access_token": entra}
        if isinstance(claims.get("tid"), str):
            form["tenant"] = claims["tid"]
        answer = self._post("/oauth2/exchange", form)
        self.evidence["exchangeStatus"] = answer.status
        if answer.status in (401, 403):
            return self._result(
                "fail",
                self._refused("POST /oauth2/exchange", answer)
                + (
                    ": the registry does not accept this identity's Entra token "
                    "(another tenant, or the identity is unknown to it)"
                    if answer.status == 401
                    else ": refused by the registry's network rules or policy"
                ),
                f"az acr show --name {self.target.name} --query policies.azureADAuthenticationAsArmPolicy",
            )
        refresh = _field(answer, "refresh_token") if answer.status == 200 else None
        if refresh is None:
            return self._result("fail", self._refused("POST /oauth2/exchange", answer) + " without a refresh_token")
        self.secrets = (entra, refresh)
        path = urlsplit(challenge.realm).path or "/oauth2/token"
        answer = self._post(
            path,
            {"grant_type": "refresh_token", "service": challenge.service, "scope": scope, "refresh_token": refresh},
        )
        self.evidence["tokenStatus"] = answer.status
        if answer.status in (401, 403):
            if repository is None:
                return self._result(
                    "ok",
                    f"a refresh token was issued; the catalog scope was refused (HTTP {answer.status}), "
                    "which is not a failure",
                )
            return self._result(
                "fail",
                self._refused(f"POST {path} for {scope}", answer) + ": the identity may not pull this repository",
                self._grant_fix(),
            )
        access = _field(answer, "access_token") if answer.status == 200 else None
        if access is None:
            return self._result("fail", self._refused(f"POST {path}", answer) + " without an access_token")
        granted = _access(jwt_claims(access))
        self.evidence["access"] = granted
        return self._judge(granted, repository)

    def _judge(self, granted: list[dict[str, Any]], repository: str | None) -> StepResult:
        if repository is None:
            actions = sorted({a for g in granted for a in g["actions"]})
            return self._result(
                "ok", f"tokens are issued; catalog access: {', '.join(actions) or 'none (not a failure)'}"
            )
        pulls = any(g["type"] == "repository" and g["name"] == repository and "pull" in g["actions"] for g in granted)
        if pulls:
            return self._result("ok", f"the access token grants pull on {repository}")
        return self._result(
            "fail",
            f"the access token grants no pull on {repository}: the identity holds no pull role on it",
            self._grant_fix(),
        )

    def _grant_fix(self) -> str:
        who = self.evidence.get("identity", {}).get("oid", "<object-id>")
        scope = f"$(az acr show --name {self.target.name} --query id -o tsv)"
        return f"az role assignment create --assignee {who} --role AcrPull --scope {scope}"
