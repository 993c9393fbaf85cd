"""Reads of users and callers."""

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
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


def user_profiles_by_id(*, user_ids: Iterable[str]) -> dict[str, UserProfile]:
    """Active users by id, read together (the users, then their roles); an unknown or malformed id is left out."""
    wanted = {int(user_id) for user_id in user_ids if str(user_id).isdigit() and len(str(user_id)) <= 18}
    if not wanted:
        return {}
    users = User.objects.prefetch_related("groups").filter(pk__in=wanted, is_active=True)
    return {str(user.pk): user_profile(user) for user in users}


def user_profile_by_username(*, username: str) -> UserProfile:
    """The profile of the active user ``username``; ``UserNotFound`` otherwise."""
    try:
        return user_profile(User.objects.prefetch_related("groups").get(username=username, is_active=True))
    except User.DoesNotExist as exc:
        raise UserNotFound() from exc


def resolve_user_id(actor: Actor, user_id: str) -> str:
    """``me`` stands for the caller wherever a path takes a user id."""
    return actor.id if user_id == "me" else user_id


def actor_of(user: AbstractBaseUser | AnonymousUser | TokenUser) -> Actor:
    """The caller behind a request's user: token principal or logged-in session user
    (an anonymous user, whom the views' permissions keep out, would hold no role)."""
    return Actor(id=str(user.pk), roles=frozenset(getattr(user, "roles", ())))
