"""Authentication: who is calling, from a verified bearer token."""

from hub.auth.authenticator import Authenticator
from hub.auth.errors import InvalidToken
from hub.auth.principal import Principal
from hub.auth.tokens import issue_dev_token

__all__ = ["Authenticator", "InvalidToken", "Principal", "issue_dev_token"]
