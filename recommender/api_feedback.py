"""Feedback API: like, hide or "not my style" one shop item, and undo it; the caller's own verdicts only."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommender.models import Feedback, InventoryItem
from recommender.services.feedback import feedback_clear, feedback_set


class FeedbackApi(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema_serializer(component_name="FeedbackInput")
    class InputSerializer(serializers.Serializer):
        item_id = serializers.IntegerField(min_value=1)
        kind = serializers.ChoiceField(choices=Feedback.Kind.choices)

    @extend_schema_serializer(component_name="Feedback")
    class OutputSerializer(serializers.Serializer):
        item_id = serializers.IntegerField()
        kind = serializers.CharField()
        created = serializers.DateTimeField()

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Feedback.Kind.choices, required=False)

    @extend_schema(
        operation_id="feedback_list",
        parameters=[OpenApiParameter("kind", str, enum=Feedback.Kind.values)],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        # Validated first: an unchecked value (a NUL byte) went into the query and PostgreSQL refused it with a 500.
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = Feedback.objects.filter(user=request.user)
        if filters.validated_data.get("kind"):
            qs = qs.filter(kind=filters.validated_data["kind"])
        return Response(self.OutputSerializer(qs[:1000], many=True).data)

    @extend_schema(operation_id="feedback_set", request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            feedback = feedback_set(user=request.user, **data.validated_data)
        except InventoryItem.DoesNotExist:
            raise ValidationError({"item_id": ["No such item, or it is no longer sold."]}) from None
        return Response(self.OutputSerializer(feedback).data, status=status.HTTP_201_CREATED)


class FeedbackDetailApi(APIView):
    @extend_schema(operation_id="feedback_clear", responses={204: None})
    def delete(self, request: Request, item_id: int) -> Response:
        if not feedback_clear(user=request.user, item_id=item_id):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
