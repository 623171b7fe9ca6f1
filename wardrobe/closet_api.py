"""REST API for outfits, the wear log, plans, the calendar and insights: small APIViews over the same services and
selectors the pages use. Owner-scoped: another user's outfit, wear or plan is a 404, never a 403."""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wardrobe import insights, outfits, selectors, taxonomy, wears
from wardrobe.http import stored_photo_response
from wardrobe.models import Garment, Outfit, OutfitItem, Plan, Wear


def _api_error(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


def _own(getter, model, **kwargs):
    try:
        return getter(**kwargs)
    except model.DoesNotExist:
        raise Http404 from None


class OutfitItemOutputSerializer(serializers.ModelSerializer):
    removed = serializers.BooleanField(source="is_removed")
    name = serializers.CharField(source="name_snapshot")

    class Meta:
        model = OutfitItem
        fields = ["garment", "position", "slot", "name", "removed"]
        read_only_fields = fields


class OutfitOutputSerializer(serializers.ModelSerializer):
    items = OutfitItemOutputSerializer(many=True, read_only=True)
    cover_url = serializers.SerializerMethodField()

    class Meta:
        model = Outfit
        fields = ["id", "name", "occasion", "season", "notes", "items", "cover_url", "created_at", "updated_at"]
        read_only_fields = fields

    def get_cover_url(self, outfit: Outfit) -> str | None:
        if not outfit.cover:
            return None
        url = reverse("api-outfit-cover", args=[outfit.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class OutfitFieldsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    occasion = serializers.ChoiceField(choices=taxonomy.OCCASION_CHOICES, required=False, allow_blank=True)
    season = serializers.ChoiceField(choices=taxonomy.SEASON_CHOICES, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    garment_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=outfits.MAX_ITEMS, required=False)


def _own_outfit(request: Request, pk: int) -> Outfit:
    return _own(outfits.outfit_get, Outfit, user=request.user, pk=pk)


class OutfitListApi(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema_serializer(component_name="OutfitCreateInput")
    class InputSerializer(OutfitFieldsSerializer):
        garment_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=outfits.MAX_ITEMS)

    @extend_schema(
        operation_id="outfits_list",
        parameters=[
            OpenApiParameter("occasion", str, enum=sorted(taxonomy.OCCASIONS)),
            OpenApiParameter("season", str, enum=sorted(taxonomy.SEASONS)),
        ],
        responses=OutfitOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        occasion = request.query_params.get("occasion", "")
        season = request.query_params.get("season", "")
        if occasion and occasion not in taxonomy.OCCASIONS or season and season not in taxonomy.SEASONS:
            raise ValidationError({"non_field_errors": ["Unknown occasion or season."]})
        qs = outfits.outfit_list(user=request.user, occasion=occasion, season=season)
        return Response(OutfitOutputSerializer(qs, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="outfits_create", request=InputSerializer, responses={201: OutfitOutputSerializer},
        description="Save an outfit of your own garments, in order (what \u201cSave as outfit\u201d calls).",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        try:
            outfit = outfits.outfit_create(owner=request.user, garment_ids=fields.pop("garment_ids"), **fields)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        outfit = outfits.outfit_get(user=request.user, pk=outfit.pk)
        return Response(OutfitOutputSerializer(outfit, context={"request": request}).data, status=status.HTTP_201_CREATED)


class OutfitDetailApi(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema_serializer(component_name="OutfitUpdateInput")
    class InputSerializer(OutfitFieldsSerializer):
        pass

    @extend_schema(operation_id="outfits_retrieve", responses=OutfitOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(OutfitOutputSerializer(_own_outfit(request, pk), context={"request": request}).data)

    @extend_schema(operation_id="outfits_partial_update", request=InputSerializer, responses=OutfitOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        outfit = _own_outfit(request, pk)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        try:
            outfits.outfit_update(outfit=outfit, data=fields, garment_ids=fields.pop("garment_ids", None))
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        outfit = outfits.outfit_get(user=request.user, pk=pk)
        return Response(OutfitOutputSerializer(outfit, context={"request": request}).data)

    @extend_schema(operation_id="outfits_destroy", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        outfits.outfit_delete(outfit=_own_outfit(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OutfitCoverApi(APIView):
    @extend_schema(operation_id="outfits_cover", responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> FileResponse:
        outfit = _own_outfit(request, pk)
        if not outfit.cover:
            raise Http404
        return stored_photo_response(outfit.cover.name, cache_control="private, max-age=86400")


class WearOutputSerializer(serializers.ModelSerializer):
    garments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Wear
        fields = ["id", "date", "garment", "outfit", "garments", "created_at"]
        read_only_fields = fields


class DateRangeSerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class WearListApi(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema_serializer(component_name="WearCreateInput")
    class InputSerializer(serializers.Serializer):
        date = serializers.DateField(required=False, help_text="Today when left out; never in the future.")
        garment = serializers.IntegerField(required=False, min_value=1)
        outfit = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        operation_id="wears_list",
        parameters=[OpenApiParameter("start", OpenApiTypes.DATE), OpenApiParameter("end", OpenApiTypes.DATE)],
        responses=WearOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rng = DateRangeSerializer(data=request.query_params)
        rng.is_valid(raise_exception=True)
        qs = wears.wear_list(user=request.user, **rng.validated_data)
        return Response(WearOutputSerializer(qs, many=True).data)

    @extend_schema(operation_id="wears_create", request=InputSerializer, responses={201: WearOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        garment = _own(selectors.garment_get, Garment, user=request.user, pk=data["garment"]) if data.get("garment") else None
        outfit = _own_outfit(request, data["outfit"]) if data.get("outfit") else None
        try:
            wear = wears.wear_log(owner=request.user, date=data.get("date"), garment=garment, outfit=outfit)
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        return Response(WearOutputSerializer(wear).data, status=status.HTTP_201_CREATED)


class WearDetailApi(APIView):
    @extend_schema(operation_id="wears_retrieve", responses=WearOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(WearOutputSerializer(_own(wears.wear_get, Wear, user=request.user, pk=pk)).data)

    @extend_schema(operation_id="wears_destroy", responses={204: None}, description="Undo a log entry.")
    def delete(self, request: Request, pk: int) -> Response:
        wears.wear_delete(wear=_own(wears.wear_get, Wear, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "date", "outfit", "notes", "created_at"]
        read_only_fields = fields


class PlanListApi(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema_serializer(component_name="PlanCreateInput")
    class InputSerializer(serializers.Serializer):
        date = serializers.DateField()
        outfit = serializers.IntegerField(min_value=1)
        notes = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(
        operation_id="plans_list",
        parameters=[OpenApiParameter("start", OpenApiTypes.DATE), OpenApiParameter("end", OpenApiTypes.DATE)],
        responses=PlanOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rng = DateRangeSerializer(data=request.query_params)
        rng.is_valid(raise_exception=True)
        return Response(PlanOutputSerializer(wears.plan_list(user=request.user, **rng.validated_data), many=True).data)

    @extend_schema(operation_id="plans_create", request=InputSerializer, responses={201: PlanOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outfit = _own_outfit(request, data["outfit"])
        try:
            plan = wears.plan_create(owner=request.user, date=data["date"], outfit=outfit, notes=data.get("notes", ""))
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        return Response(PlanOutputSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    @extend_schema(operation_id="plans_destroy", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        wears.plan_delete(plan=_own(wears.plan_get, Plan, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarApi(APIView):
    @extend_schema_serializer(component_name="CalendarDay")
    class DaySerializer(serializers.Serializer):
        date = serializers.DateField()
        wears = WearOutputSerializer(many=True)
        plans = PlanOutputSerializer(many=True)

    @extend_schema(
        operation_id="calendar_month",
        parameters=[OpenApiParameter("month", str, description="YYYY-MM; this month when left out.")],
        responses=inline_serializer(
            "CalendarMonth", {"month": serializers.CharField(), "days": DaySerializer(many=True)}
        ),
        description="Every day of the month that has a wear or a plan.",
    )
    def get(self, request: Request) -> Response:
        value = request.query_params.get("month", "")
        try:
            first = datetime.datetime.strptime(value, "%Y-%m").date() if value else wears.today().replace(day=1)
        except ValueError:
            raise ValidationError({"month": ["Use YYYY-MM."]}) from None
        grid = wears.calendar_month(user=request.user, year=first.year, month=first.month)
        days = [
            {"date": d.date, "wears": d.wears, "plans": d.plans}
            for week in grid.weeks for d in week if d.in_month and (d.wears or d.plans)
        ]
        return Response({"month": first.strftime("%Y-%m"), "days": self.DaySerializer(days, many=True).data})


class InsightsApi(APIView):
    @extend_schema(
        operation_id="insights_retrieve", responses=OpenApiTypes.OBJECT,
        description="Every number of the insights page: per-garment wears, last wear and cost per wear; most and "
        "least worn, forgotten (ids), category and colour make-up, closet value, wears per month.",
    )
    def get(self, request: Request) -> Response:
        return Response(insights.insights_as_dict(insights.closet_insights(user=request.user)))
