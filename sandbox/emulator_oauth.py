"""OAuth installs on the Slack emulator: Slack's side of "Add to Slack", as oauth.v2.access answers it.

A test plays the person who approves an install with `grant()`, which returns the single-use code
Slack would put on the redirect back to the app. The app exchanges it with oauth.v2.access, with its
client id and secret, for a bot token of that workspace (or, installed org-wide, of its Enterprise
Grid org). Tokens issued here then speak for their workspace: auth.test names it, and a test can see
which token each Web API call used.
"""

from __future__ import annotations

import base64
import itertools
import threading
from dataclasses import dataclass
from typing import Any

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "emulator-client-secret"
APP_ID = "AMENTORBOT"
SCOPES = "commands,chat:write,chat:write.public,im:write,mpim:write,users:read,users:read.email,files:write"


@dataclass(frozen=True)
class Install:
    team_id: str | None
    team_name: str
    enterprise_id: str | None
    org_wide: bool
    installer: str
    token: str
    bot_user_id: str

    def access(self) -> dict[str, Any]:
        """oauth.v2.access's answer for this install."""
        return {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": self.installer},
            "scope": SCOPES,
            "token_type": "bot",
            "access_token": self.token,
            "bot_user_id": self.bot_user_id,
            "team": None if self.org_wide else {"id": self.team_id, "name": self.team_name},
            "enterprise": {"id": self.enterprise_id, "name": f"Org {self.enterprise_id}"}
            if self.enterprise_id
            else None,
            "is_enterprise_install": self.org_wide,
        }

    def auth_test(self) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": self.team_name,
            "user": "mentorbot",
            "team_id": self.team_id or self.enterprise_id,
            "user_id": self.bot_user_id,
            "bot_id": f"B{self.bot_user_id[1:]}",
            "enterprise_id": self.enterprise_id,
            "is_enterprise_install": self.org_wide,
        }


class OAuthInstalls:
    """Codes waiting to be exchanged, and the tokens they became."""

    def __init__(self, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET):
        self.client_id = client_id
        self.client_secret = client_secret
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._codes: dict[str, Install] = {}
        self._spent: set[str] = set()
        self._tokens: dict[str, Install] = {}

    def grant(
        self,
        team_id: str | None,
        team_name: str = "Emulated workspace",
        enterprise_id: str | None = None,
        org_wide: bool = False,
        installer: str = "U0INSTALL1",
    ) -> str:
        """Someone approved the install: the code Slack hands the app on its redirect URL."""
        if org_wide and not enterprise_id:
            raise ValueError("an org-wide install needs its enterprise_id")
        with self._lock:
            n = next(self._numbers)
            owner = team_id if team_id and not org_wide else enterprise_id
            install = Install(
                team_id=None if org_wide else team_id,
                team_name=team_name,
                enterprise_id=enterprise_id,
                org_wide=org_wide,
                installer=installer,
                token=f"xoxb-{owner}-{n:04d}-emulated",
                bot_user_id=f"UBOT{n:05d}",
            )
            code = f"code-{n:04d}-{owner}"
            self._codes[code] = install
        return code

    def exchange(self, args: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        """oauth.v2.access: the client's credentials (HTTP Basic, or in the form) and a code, used once."""
        client_id, client_secret = args.get("client_id"), args.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization.removeprefix("Basic ").strip()).decode()
            client_id, _, client_secret = decoded.partition(":")
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        code = str(args.get("code") or "")
        with self._lock:
            if code in self._spent:
                return {"ok": False, "error": "invalid_code"}
            install = self._codes.pop(code, None)
            if install is None:
                return {"ok": False, "error": "invalid_code"}
            self._spent.add(code)
            self._tokens[install.token] = install
        return install.access()

    def holder(self, token: str | None) -> Install | None:
        """The install a token was issued for, if it came from here."""
        with self._lock:
            return self._tokens.get(token or "")

    def tokens_of(self, team_or_org: str) -> list[str]:
        """Every token issued for a workspace (or, installed org-wide, for an org)."""
        with self._lock:
            return [t for t, i in self._tokens.items() if team_or_org in (i.team_id, i.enterprise_id)]
