from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, roles, JWT issuance and the JWKS the gateway verifies with."""

    name = "accounts"

    def ready(self) -> None:
        from accounts import schema  # noqa: F401  registers the OpenAPI auth extension
