"""Errors of the accounts app."""

from http import HTTPStatus

from core.errors import ServiceError


class AccountsError(ServiceError):
    pass


class UsernameTaken(AccountsError):
    status = HTTPStatus.CONFLICT
    code = "duplicate"
    message = "A user with that username already exists."


class InvalidCredentials(AccountsError):
    status = HTTPStatus.UNAUTHORIZED
    code = "not_authenticated"
    message = "No active account found with the given credentials."


class InvalidRefreshToken(AccountsError):
    status = HTTPStatus.UNAUTHORIZED
    code = "not_authenticated"
    message = "The refresh token is invalid or expired, or its user is no longer active."


class UserNotFound(AccountsError):
    status = HTTPStatus.NOT_FOUND
    code = "not_found"
    message = "No such user."
