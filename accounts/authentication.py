"""Bearer-token authentication: Django verifies every token itself.

The token is verified (signature by ``kid``, ``exp``, ``iss``, ``aud``) and its claims
become the request's user without a database read, so every web process can
authenticate on its own. Identity never comes from any other header.
"""

from functools import cached_property

from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.models import TokenUser


class TokenPrincipal(TokenUser):
    """The caller, as their access token describes them."""

    @cached_property
    def roles(self) -> frozenset[str]:
        roles = self.token.get("roles", [])
        return frozenset(role for role in roles if isinstance(role, str)) if isinstance(roles, list) else frozenset()

    @cached_property
    def name(self) -> str:
        return str(self.token.get("name", ""))


class BearerTokenAuthentication(JWTStatelessUserAuthentication):
    www_authenticate_realm = "enrollment"
