"""/api/v1/webhooks/…: one's own webhook subscriptions and their delivery log.
Thin: the rules are in jiayuan.api.webhooks.services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.pagination import PAGE_PARAMS, page_of, paged
from jiayuan.api.schema import ERRORS, WRITE_ERRORS
from jiayuan.api.webhooks import services
from jiayuan.api.webhooks.serializers import (
    DeliveryOut,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionOut,
)
from jiayuan.desk.models import Department

TAGS = ["webhooks"]
SUB_EXAMPLE = {"id": 3, "url": "https://dept.example.cn/hooks/jiayuan",
               "events": ["case.created", "case.status_changed"], "department": "education",
               "created_at": "2026-12-07T10:00:00+08:00"}
DELIVERY_EXAMPLE = {"id": "6f1c2c8e-3b7a-4d8e-9a51-1c0f3e2b4d10", "event": "case.created",
                    "created_at": "2026-12-07T10:00:00+08:00", "attempts": 2,
                    "last_status_code": 500, "last_error": "http_status",
                    "last_attempt_at": "2026-12-07T10:01:00+08:00",
                    "next_attempt_at": "2026-12-07T10:06:00+08:00", "outcome": "pending"}




class WebhookListView(APIView):
    @extend_schema(operation_id="webhooks_list", summary="One's webhook subscriptions",
                   tags=TAGS, responses={200: page_of("SubscriptionPage", SubscriptionOut()), **ERRORS},
                   parameters=PAGE_PARAMS,
                   examples=[OpenApiExample("A subscription", value=SUB_EXAMPLE,
                                            response_only=True)])
    def get(self, request: Request) -> Response:
        return paged(self, request, services.list_subscriptions_for(request.user),
                     lambda rows: SubscriptionOut(rows, many=True).data)

    @extend_schema(operation_id="webhooks_create", summary="Subscribe to case events",
                   tags=TAGS, request=SubscriptionIn,
                   responses={201: SubscriptionCreated, **WRITE_ERRORS},
                   examples=[OpenApiExample(
                       "Subscribe", request_only=True,
                       value={"url": "https://dept.example.cn/hooks/jiayuan",
                              "events": ["case.created"], "department": "education"}),
                       OpenApiExample("Created (the secret is shown once)", response_only=True,
                                      status_codes=["201"],
                                      value={**SUB_EXAMPLE, "secret": "whsec_…"})])
    def post(self, request: Request) -> Response:
        services.require(request.user, services.PERM)
        data = SubscriptionIn(data=request.data)
        data.is_valid(raise_exception=True)
        department = None
        if code := data.validated_data.get("department"):
            department = Department.objects.filter(code=code).first()
            if department is None:
                raise ValidationError({"department": _("No department has this code.")})
        sub, secret = services.subscription_create(
            actor=request.user, url=data.validated_data["url"],
            events=data.validated_data["events"], department=department)
        out = SubscriptionOut(sub).data
        return Response({**out, "secret": secret}, status=201)


class WebhookDetailView(APIView):
    @extend_schema(operation_id="webhooks_read", summary="One of one's subscriptions",
                   tags=TAGS, responses={200: SubscriptionOut, **ERRORS},
                   examples=[OpenApiExample("A subscription", value=SUB_EXAMPLE,
                                            response_only=True)])
    def get(self, request: Request, pk: str) -> Response:
        return Response(SubscriptionOut(services.get_subscription_for(request.user, pk)).data)

    @extend_schema(operation_id="webhooks_delete", summary="Unsubscribe", tags=TAGS,
                   responses={204: OpenApiResponse(description="Deleted."), **ERRORS})
    def delete(self, request: Request, pk: str) -> Response:
        sub = services.get_subscription_for(request.user, pk)
        services.subscription_delete(actor=request.user, subscription=sub)
        return Response(status=204)


class WebhookDeliveriesView(APIView):
    @extend_schema(operation_id="webhooks_deliveries", summary="A subscription's delivery log",
                   tags=TAGS, responses={200: page_of("DeliveryPage", DeliveryOut()), **ERRORS},
                   parameters=PAGE_PARAMS,
                   examples=[OpenApiExample("A delivery being retried", value=DELIVERY_EXAMPLE,
                                            response_only=True)])
    def get(self, request: Request, pk: str) -> Response:
        sub = services.get_subscription_for(request.user, pk)
        return paged(self, request, services.deliveries_for(sub),
                     lambda rows: DeliveryOut(rows, many=True).data)
