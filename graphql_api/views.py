"""``/graphql/``: the REST API's door in front of Strawberry's Django view.

The request passes DRF first, exactly as a REST request does: the bearer token is
verified (401 problem document if it is missing or bad), the caller must hold a role
(403), and the same throttles count it (429). Strawberry's view then runs the query:
GET with ``?query=`` or POST with a JSON body, per GraphQL over HTTP. In development
(``GRAPHQL_GRAPHIQL``), a browser's GET shows GraphiQL, served from this service's own
static files.
"""

from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView
from strawberry.django.views import AsyncGraphQLView, HTTPException

from accounts.api import actor_of
from accounts.authentication import BearerTokenAuthentication
from core.openapi import problem_responses
from core.parsers import NESTED_TOO_DEEPLY
from core.problems import problem_response
from enrollment.api import CATALOG_READ
from graphql_api.context import GraphQLContext
from graphql_api.schema import schema

# Under GRAPHIQL_ASSETS_DIR, served as static files under graphiql/.
GRAPHIQL_FILES = (
    "react/umd/react.production.min.js",
    "react-dom/umd/react-dom.production.min.js",
    "graphiql/graphiql.min.js",
    "graphiql/graphiql.min.css",
)


class _StrawberryView(AsyncGraphQLView[GraphQLContext, None]):
    async def get_context(self, request: HttpRequest, response: HttpResponse) -> GraphQLContext:
        # DRF has set request.user to the token's principal.
        return GraphQLContext(request=request, response=response, actor=actor_of(request.user))

    def parse_json(self, data: str | bytes) -> dict[str, Any]:
        # Strawberry turns only a JSONDecodeError into a 400: bad UTF-8, a body nested
        # past the recursion limit and a body that is not an object (no batching here)
        # would each be a 500.
        try:
            body = self.decode_json(data)
        except RecursionError as exc:
            raise HTTPException(400, NESTED_TOO_DEEPLY) from exc
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise HTTPException(400, "Unable to parse request body as JSON") from exc
        if not isinstance(body, dict):
            raise HTTPException(400, "The body must be a JSON object with a `query`.")
        return body

    # An async view: Django awaits it (its View types dispatch as sync).
    async def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:  # type: ignore[override]
        try:
            return await self.run(request=request)
        except HTTPException as exc:  # what GraphQL over HTTP refuses: no query, a body that is not JSON, ...
            return problem_response(request, exc.status_code, exc.reason)


# GraphiQL is this module's page, never Strawberry's (which loads its files from a CDN).
_strawberry = _StrawberryView.as_view(schema=schema, graphql_ide=None, allow_queries_via_get=True)


def _execute(request: Request) -> HttpResponseBase:
    # Strawberry's view is async (DataLoaders batch within one event loop); the store
    # calls inside it come back to this thread (``sync_to_async``), as in any Django view.
    # (as_view's type says the view is sync; this one is async)
    return async_to_sync(_strawberry)(request._request)  # type: ignore[arg-type]


class GraphQLQuerySerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The GraphQL document: queries only.")
    variables = serializers.DictField(required=False, allow_null=True)
    operationName = serializers.CharField(required=False, allow_null=True)


class GraphQLResponseSerializer(serializers.Serializer):
    # Fields named like Serializer.data and .errors: this serializer only documents the schema.
    data = serializers.DictField(allow_null=True)  # type: ignore[assignment]
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.DictField(),
        required=False,
        help_text="One per failed field: `message`, `path`, and `extensions` with the REST API's `code` and `status`.",
    )


def _wants_graphiql(request: Request) -> bool:
    """A browser opening the page: GET, no query, HTML accepted (Strawberry's own test)."""
    accept = request.headers.get("Accept", "")
    return request.method == "GET" and "query" not in request.query_params and "text/html" in accept


GRAPHQL_DESCRIPTION = (
    "Read-only GraphQL over the same data and rules as the REST API (schema: introspect it, or see the README). "
    "Errors of single fields come back in `errors` with the REST `code`; a missing or bad token, a caller without "
    "a role and throttling are problem documents like everywhere else."
)


class GraphQLView(APIView):
    """Read-only GraphQL: any signed-in user, the same throttles as REST.

    A bearer token, as for REST; or the session of someone logged in at /api-auth/login/
    (as for the browsable API), which is how GraphiQL's own queries authenticate, with
    the CSRF token the page gives them.
    """

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = CATALOG_READ

    def get_permissions(self):
        if _wants_graphiql(self.request) and settings.GRAPHQL_GRAPHIQL:
            return [AllowAny()]  # the page itself; its queries carry the token
        return super().get_permissions()

    def perform_content_negotiation(self, request, force=False):
        # GraphQL clients ask for application/graphql-response+json; Strawberry answers that.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="graphql_query_get",
        tags=["graphql"],
        summary="Run a GraphQL query given in the query string",
        description=GRAPHQL_DESCRIPTION,
        parameters=[
            OpenApiParameter("query", str, required=True, description="The GraphQL document."),
            OpenApiParameter("variables", str, description="JSON object of the variables."),
            OpenApiParameter("operationName", str),
        ],
        responses={200: GraphQLResponseSerializer, **problem_responses(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> HttpResponseBase:
        if _wants_graphiql(request) and settings.GRAPHQL_GRAPHIQL:
            return self._graphiql(request)
        return _execute(request)

    @extend_schema(
        operation_id="graphql_query",
        tags=["graphql"],
        summary="Run a GraphQL query",
        description=GRAPHQL_DESCRIPTION,
        request=GraphQLQuerySerializer,
        responses={200: GraphQLResponseSerializer, **problem_responses(400, 401, 403, 429)},
    )
    def post(self, request: Request) -> HttpResponseBase:
        return _execute(request)

    @staticmethod
    def _graphiql(request: Request) -> HttpResponseBase:
        assets = settings.GRAPHIQL_ASSETS_DIR
        missing = [name for name in GRAPHIQL_FILES if not (assets / name).is_file()]
        by_session = isinstance(request.successful_authenticator, SessionAuthentication)
        context = {
            "missing": missing,
            "assets_dir": assets,
            "token_url": reverse("auth-token"),
            "login_url": f"{reverse('rest_framework:login')}?next={request.path}",
            "logout_url": f"{reverse('rest_framework:logout')}?next={request.path}",
            # Logged in with a session: GraphiQL's queries send it, with the CSRF token.
            "session_user": request.user.get_username() if by_session else None,
            "csrf_token": get_token(request._request),
        }
        return render(request._request, "graphql_api/graphiql.html", context, status=503 if missing else 200)
