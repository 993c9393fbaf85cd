"""Writes of the accounts app: creating users and issuing tokens."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError

from accounts.data import UserProfile
from accounts.errors import InvalidCredentials, InvalidRefreshToken, UsernameTaken, UserNotFound
from accounts.models import User
from accounts.roles import Role
from accounts.selectors import user_profile
from accounts.tokens import AccessToken, RefreshToken


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def user_create(
    *,
    username: str,
    password: str,
    roles: Iterable[Role | str],
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    staff: bool = False,
) -> UserProfile:
    """Create an active user holding ``roles``; with ``staff``, one who may also use the
    admin (/admin/) to manage users and roles (see ``user_staff_grant``).

    The password must pass Django's password validators (``ValidationError`` on the
    ``password`` field otherwise); a taken username raises ``UsernameTaken``.
    """
    role_names = sorted({str(Role(role)) for role in roles})
    if not role_names:
        raise ValidationError({"roles": ["A user needs at least one role."]})
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            # get_or_create: the groups come from a migration, but a flushed test
            # database (or a hand-cleaned one) must not lose the user's roles.
            user.groups.set([Group.objects.get_or_create(name=name)[0] for name in role_names])
            if staff:
                user_staff_grant(username=username)
    except IntegrityError as exc:
        raise UsernameTaken() from exc
    return user_profile(User.objects.prefetch_related("groups").get(pk=user.pk))


# What staff may do in the admin: manage users and their roles (the groups), nothing else.
STAFF_PERMISSIONS = (
    ("accounts", "user", ("view", "add", "change")),
    ("auth", "group", ("view", "change")),
)


def user_staff_grant(*, username: str) -> None:
    """Let a user log in to the admin (``is_staff``) and manage users and roles there
    (``STAFF_PERMISSIONS``). Safe to repeat; ``UserNotFound`` if there is no such user."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise UserNotFound()
    permissions = [
        Permission.objects.get(content_type__app_label=app, content_type__model=model, codename=f"{action}_{model}")
        for app, model, actions in STAFF_PERMISSIONS
        for action in actions
    ]
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.user_permissions.add(*permissions)


def student_register(
    *, username: str, password: str, email: str = "", first_name: str = "", last_name: str = ""
) -> UserProfile:
    """Self-service sign-up: always and only the student role."""
    return user_create(
        username=username,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        roles=[Role.STUDENT],
    )


def _access_token_for(user: User) -> AccessToken:
    token = AccessToken.for_user(user)
    token["roles"] = sorted(user.roles)
    token["name"] = user.get_full_name() or user.username
    return token


def token_pair_issue(*, username: str, password: str) -> TokenPair:
    """Tokens for a user's credentials; ``InvalidCredentials`` if they don't match an active user."""
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        raise InvalidCredentials()
    return TokenPair(access=str(_access_token_for(user)), refresh=str(RefreshToken.for_user(user)))


def access_token_refresh(*, refresh: str) -> str:
    """A new access token for a valid refresh token, with the user's current roles.

    ``InvalidRefreshToken`` when the token is bad or expired, or its user is gone or inactive.
    """
    try:
        token = RefreshToken(refresh)  # type: ignore[arg-type]  # SimpleJWT annotates the encoded token as Token
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    user = User.objects.filter(pk=token.get("sub"), is_active=True).prefetch_related("groups").first()
    if user is None:
        raise InvalidRefreshToken()
    return str(_access_token_for(user))
