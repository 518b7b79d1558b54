"""Authentication: who is calling, from a verified bearer token."""

from hub.web.auth.authenticator import Authenticator
from hub.web.auth.errors import InvalidToken
from hub.web.auth.principal import Principal
from hub.web.auth.tokens import issue_dev_token

__all__ = ["Authenticator", "InvalidToken", "Principal", "issue_dev_token"]
