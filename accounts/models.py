"""Users live in Django's own database; each role is a Django group of that name."""

from functools import cached_property

from django.contrib.auth.models import AbstractUser

from accounts.roles import Role


class User(AbstractUser):
    @cached_property
    def roles(self) -> frozenset[str]:
        """The user's roles (names of their groups that are roles)."""
        return frozenset(group.name for group in self.groups.all() if group.name in Role.values)
