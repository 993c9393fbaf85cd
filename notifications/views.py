"""HTTP endpoints of subscriptions and their deliveries. Students only, each on their own."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.api import ActionPermissionsMixin, IsStudent, actor_of
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.openapi import path_parameter, problem_responses
from core.pagination import PAGE_PARAMETERS, page_request, page_response, page_serializer
from core.serializers import validated
from notifications import selectors, services
from notifications.serializers import (
    DeliverySerializer,
    SubscriptionCreatedSerializer,
    SubscriptionCreateInputSerializer,
    SubscriptionOutputSerializer,
)

SUBSCRIPTION_ID = r"[A-Za-z0-9_.\-]{1,200}"
SUBSCRIPTION_ID_PARAMETER = path_parameter(
    "subscription_id", SUBSCRIPTION_ID, "The `id` the subscription was created with."
)


class SubscriptionViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """A student's subscriptions: an email and/or a signed webhook when the student is
    enrolled automatically from a section's waitlist."""

    lookup_field = "subscription_id"
    lookup_value_regex = SUBSCRIPTION_ID
    permissions_by_action = {
        "list": [IsStudent],
        "create": [IsStudent],
        "retrieve": [IsStudent],
        "destroy": [IsStudent],
        "deliveries": [IsStudent],
    }

    @extend_schema(
        operation_id="subscriptions_list",
        tags=["notifications"],
        summary="Your subscriptions",
        parameters=PAGE_PARAMETERS,
        responses={200: page_serializer(SubscriptionOutputSerializer), **problem_responses(400, 401, 403, 429, 503)},
    )
    def list(self, request: Request) -> Response:
        page = selectors.subscription_list(actor=actor_of(request.user), page=page_request(request))
        return page_response(request, page, SubscriptionOutputSerializer)

    @extend_schema(
        operation_id="subscriptions_create",
        tags=["notifications"],
        summary="Subscribe to a section's automatic enrollments (the signing secret is shown once)",
        request=SubscriptionCreateInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: SubscriptionCreatedSerializer, **problem_responses(400, 401, 403, 409, 422, 429, 503)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        subscription = services.subscription_create(
            actor=actor_of(request.user), **validated(SubscriptionCreateInputSerializer, request.data)
        )
        location = reverse("subscription-detail", kwargs={"subscription_id": subscription.id}, request=request)
        return Response(
            SubscriptionCreatedSerializer(subscription).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    @extend_schema(
        operation_id="subscriptions_retrieve",
        tags=["notifications"],
        summary="One of your subscriptions",
        parameters=[SUBSCRIPTION_ID_PARAMETER],
        responses={200: SubscriptionOutputSerializer, **problem_responses(401, 403, 404, 429, 503)},
    )
    def retrieve(self, request: Request, subscription_id: str) -> Response:
        subscription = selectors.subscription_get(actor=actor_of(request.user), subscription_id=subscription_id)
        return Response(SubscriptionOutputSerializer(subscription).data)

    @extend_schema(
        operation_id="subscriptions_delete",
        tags=["notifications"],
        summary="Unsubscribe",
        parameters=[SUBSCRIPTION_ID_PARAMETER],
        responses={204: None, **problem_responses(401, 403, 404, 429, 503)},
    )
    def destroy(self, request: Request, subscription_id: str) -> Response:
        services.subscription_delete(actor=actor_of(request.user), subscription_id=subscription_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="subscriptions_deliveries",
        tags=["notifications"],
        summary="The deliveries of a subscription: status, attempts, last error",
        parameters=[SUBSCRIPTION_ID_PARAMETER, *PAGE_PARAMETERS],
        responses={200: page_serializer(DeliverySerializer), **problem_responses(400, 401, 403, 404, 429, 503)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, subscription_id: str) -> Response:
        page = selectors.delivery_list(
            actor=actor_of(request.user), subscription_id=subscription_id, page=page_request(request)
        )
        return page_response(request, page, DeliverySerializer)
