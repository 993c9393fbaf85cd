"""HTTP endpoints of accounts: register, tokens, me, users, JWKS. Thin: validate, call, serialize."""

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.keys import keyring
from accounts.permissions import IsAnyRole, IsRegistrar
from accounts.selectors import user_profile_get
from accounts.serializers import (
    AccessTokenOutputSerializer,
    JWKSetSerializer,
    RegisterInputSerializer,
    TokenObtainInputSerializer,
    TokenPairOutputSerializer,
    TokenRefreshInputSerializer,
    UserCreateInputSerializer,
    UserOutputSerializer,
)
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.openapi import problem_responses
from core.throttling import LOGIN_THROTTLES


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="auth_register",
        tags=["auth"],
        summary="Create a student account",
        request=RegisterInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: UserOutputSerializer, **problem_responses(400, 409, 422, 429, 503)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = RegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = services.student_register(**serializer.validated_data)
        return Response(UserOutputSerializer(asdict(profile)).data, status=status.HTTP_201_CREATED)


class TokenObtainView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [*APIView.throttle_classes, *LOGIN_THROTTLES]

    @extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        summary="Exchange a username and password for an access and a refresh token",
        request=TokenObtainInputSerializer,
        responses={200: TokenPairOutputSerializer, **problem_responses(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = TokenObtainInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.token_pair_issue(**serializer.validated_data)
        return Response(TokenPairOutputSerializer(asdict(pair)).data)


class TokenRefreshView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="auth_token_refresh",
        tags=["auth"],
        summary="Exchange a refresh token for a new access token",
        request=TokenRefreshInputSerializer,
        responses={200: AccessTokenOutputSerializer, **problem_responses(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = services.access_token_refresh(refresh=serializer.validated_data["refresh"])
        return Response(AccessTokenOutputSerializer({"access": access}).data)


class MeView(APIView):
    permission_classes = [IsAnyRole]

    @extend_schema(
        operation_id="auth_me",
        tags=["auth"],
        summary="The caller's own account",
        responses={200: UserOutputSerializer, **problem_responses(401, 403, 404, 429)},
    )
    def get(self, request: Request) -> Response:
        profile = user_profile_get(user_id=str(request.user.pk))
        return Response(UserOutputSerializer(asdict(profile)).data)


class UserViewSet(viewsets.ViewSet):
    """Accounts of any role, made by the registrar."""

    permission_classes = [IsRegistrar]

    @extend_schema(
        operation_id="users_create",
        tags=["users"],
        summary="Create a user with any roles",
        request=UserCreateInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: UserOutputSerializer, **problem_responses(400, 401, 403, 409, 422, 429, 503)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = UserCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = services.user_create(**serializer.validated_data)
        return Response(UserOutputSerializer(asdict(profile)).data, status=status.HTTP_201_CREATED)


class JWKSView(APIView):
    """The public keys that verify access tokens, for the gateway and other verifiers."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(operation_id="jwks", tags=["auth"], summary="JSON Web Key Set", responses={200: JWKSetSerializer})
    def get(self, request: Request) -> Response:
        return Response(keyring().jwks, headers={"Cache-Control": "public, max-age=300"})
