"""`DemoAuthenticator`: the dev hub's accounts, a password each. Not for real students."""

from __future__ import annotations

import hmac

from jupyterhub.auth import Authenticator
from traitlets import Dict, Unicode, default


class DemoAuthenticator(Authenticator):
    """Logs in the users listed in `passwords` with their password; nobody else.

    For the dev profile: the passwords are held in memory in plain text (they are demo passwords,
    printed by `qa-arena hub`).
    """

    passwords = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        config=True,
        help="User name -> password of every account that may log in. Users not listed cannot log in; "
        "an empty password never matches.",
    )

    @default("allowed_users")
    def _allowed_default(self):
        return set(self.passwords)

    @default("any_allow_config")
    def _any_allow_default(self):
        return bool(self.passwords)

    async def authenticate(self, handler, data):
        name = self.normalize_username(str(data.get("username", "")))
        expected = self.passwords.get(name, "")
        given = str(data.get("password", ""))
        if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
            self.log.warning("Failed login for %r", name)
            return None
        return name
