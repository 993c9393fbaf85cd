"""What other apps may import from accounts."""

from accounts.data import Actor, UserProfile
from accounts.errors import UsernameTaken
from accounts.permissions import (
    ActionPermissionsMixin,
    IsAnyRole,
    IsInstructor,
    IsRegistrar,
    IsStudent,
    RolePermission,
    allow_roles,
)
from accounts.roles import Role
from accounts.selectors import (
    actor_of,
    resolve_user_id,
    user_profile_by_username,
    user_profile_get,
    user_profiles_by_id,
)
from accounts.services import user_create, user_staff_grant

__all__ = [
    "ActionPermissionsMixin",
    "Actor",
    "IsAnyRole",
    "IsInstructor",
    "IsRegistrar",
    "IsStudent",
    "Role",
    "RolePermission",
    "UserProfile",
    "UsernameTaken",
    "actor_of",
    "allow_roles",
    "resolve_user_id",
    "user_create",
    "user_profile_by_username",
    "user_profile_get",
    "user_profiles_by_id",
    "user_staff_grant",
]
