"""Operations endpoints: liveness and readiness for load balancers and orchestrators; and
the API root, a page of links for people."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from core.errors import StoreUnavailable
from core.health import readiness_report
from core.openapi import problem_responses
from core.serializers import HealthOutputSerializer, ReadinessOutputSerializer


class _OperationsView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []


class LivenessView(_OperationsView):
    @extend_schema(
        operation_id="healthz", tags=["operations"], summary="Liveness", responses={200: HealthOutputSerializer}
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"}, headers={"Cache-Control": "no-store"})


class ReadinessView(_OperationsView):
    @extend_schema(
        operation_id="readyz",
        tags=["operations"],
        summary="Readiness: 200 only when DynamoDB, Redis and RabbitMQ answer",
        responses={200: ReadinessOutputSerializer, **problem_responses(503)},
    )
    def get(self, request: Request) -> Response:
        checks = readiness_report()
        failing = [name for name, result in checks.items() if result != "ok"]
        if failing:
            raise StoreUnavailable(
                ", ".join(failing), detail=f"Not ready: {', '.join(failing)} unavailable.", checks=checks
            )
        return Response({"status": "ok", "checks": checks}, headers={"Cache-Control": "no-store"})


# The API root: (link name, URL name) in the order a newcomer wants them.
API_ROOT_LINKS = (
    ("register", "auth-register"),
    ("token", "auth-token"),
    ("token_refresh", "auth-token-refresh"),
    ("me", "auth-me"),
    ("users", "user-list"),
    ("courses", "course-list"),
    ("sections", "section-list"),
    ("auto_enrollment", "auto-enrollment"),
    ("subscriptions", "subscription-list"),
    ("graphql", "graphql"),
    ("docs", "swagger-ui"),
    ("redoc", "redoc"),
    ("schema", "schema"),
    ("jwks", "jwks"),
    ("healthz", "healthz"),
    ("readyz", "readyz"),
    ("login", "rest_framework:login"),
    ("admin", "admin:index"),
)


@extend_schema(exclude=True)  # a page of links for people, not an operation of the contract
class ApiRootView(APIView):
    """The API's entry points: its resources, the docs, the schema, GraphQL and health.

    Served at `/`, `/api/` and `/api/v1/`. Most resources need a token
    (`Authorization: Bearer <access>` from `token`) or a session (`login`).
    """

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        links = {name: reverse(url_name, request=request) for name, url_name in API_ROOT_LINKS}
        links["my_enrollments"] = reverse("student-enrollment-list", kwargs={"student_id": "me"}, request=request)
        return Response(links)
