"""Reads of users and callers."""

from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework_simplejwt.models import TokenUser

from accounts.data import Actor, UserProfile
from accounts.errors import UserNotFound
from accounts.models import User


def user_profile(user: User) -> UserProfile:
    return UserProfile(
        id=str(user.pk),
        username=user.username,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        roles=tuple(sorted(user.roles)),
    )


def user_profile_get(*, user_id: str) -> UserProfile:
    """The profile of an active user; ``UserNotFound`` otherwise."""
    try:
        user = User.objects.prefetch_related("groups").get(pk=int(user_id), is_active=True)
    except (ValueError, User.DoesNotExist) as exc:
        raise UserNotFound() from exc
    return user_profile(user)


def user_profile_by_username(*, username: str) -> UserProfile:
    """The profile of the active user ``username``; ``UserNotFound`` otherwise."""
    try:
        return user_profile(User.objects.prefetch_related("groups").get(username=username, is_active=True))
    except User.DoesNotExist as exc:
        raise UserNotFound() from exc


def actor_of(user: AbstractBaseUser | TokenUser) -> Actor:
    """The caller behind a request's user: token principal or logged-in session user."""
    return Actor(id=str(user.pk), roles=frozenset(getattr(user, "roles", ())))
