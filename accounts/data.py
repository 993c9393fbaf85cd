"""What other apps get from accounts: plain values, never ORM objects."""

from dataclasses import dataclass

from accounts.roles import Role


@dataclass(frozen=True)
class Actor:
    """Who is asking: a user id (the token's ``sub``) and their roles."""

    id: str
    roles: frozenset[str]

    @property
    def is_registrar(self) -> bool:
        return Role.REGISTRAR in self.roles

    @property
    def is_instructor(self) -> bool:
        return Role.INSTRUCTOR in self.roles

    @property
    def is_student(self) -> bool:
        return Role.STUDENT in self.roles


@dataclass(frozen=True)
class UserProfile:
    id: str
    username: str
    first_name: str
    last_name: str
    email: str
    roles: tuple[str, ...]
