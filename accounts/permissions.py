"""DRF permission classes by role, reused by every app.

Each class names the roles it admits in ``roles``, so the gateway's config can be
checked against exactly what Django allows. Rules about *which* object a role may act
on (a student only for themself, an instructor only in their sections) live in the
owning app's services and selectors.
"""

from rest_framework.permissions import BasePermission

from accounts.roles import Role


class RolePermission(BasePermission):
    """Admits an authenticated caller holding any of ``roles``."""

    roles: frozenset[str] = frozenset()
    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and self.roles & getattr(user, "roles", frozenset()))


def allow_roles(*roles: Role) -> type[RolePermission]:
    """A permission class admitting callers with any of ``roles``."""
    names = frozenset(str(role) for role in roles)
    label = "Or".join(sorted(name.capitalize() for name in names))
    return type(f"Is{label}", (RolePermission,), {"roles": names, "__doc__": f"Admits: {', '.join(sorted(names))}."})


IsStudent = allow_roles(Role.STUDENT)
IsInstructor = allow_roles(Role.INSTRUCTOR)
IsRegistrar = allow_roles(Role.REGISTRAR)
IsAnyRole = allow_roles(*Role)


class ActionPermissionsMixin:
    """For a ViewSet: per-action permission classes, declared in ``permissions_by_action``.

    An action missing from the mapping is the registrar's only, so a new action is
    closed until someone decides who may call it.
    """

    permissions_by_action: dict[str, list[type[RolePermission]]] = {}
    action: str  # set by the ViewSet this is mixed into

    def get_permissions(self):
        classes = self.permissions_by_action.get(self.action, [IsRegistrar])
        return [permission() for permission in classes]
