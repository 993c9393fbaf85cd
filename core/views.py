"""Operations endpoints: liveness and readiness for load balancers and orchestrators."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
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
