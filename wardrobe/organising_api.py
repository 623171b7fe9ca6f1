"""REST API for organising the closet: bulk edit (a result per garment) and the CSV import (a report per row).
Owner-scoped like the rest: another user's garment id in a bulk edit is reported as not found, never touched."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wardrobe import closet_import, organising, selectors, taxonomy
from wardrobe.api import GarmentOutputSerializer


class GarmentBulkEditApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema_serializer(component_name="GarmentBulkEditInput")
    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=organising.MAX_BULK)
        category = serializers.ChoiceField(choices=taxonomy.CATEGORY_CHOICES, required=False)
        season = serializers.ChoiceField(
            choices=taxonomy.SEASON_CHOICES, required=False, allow_blank=True, help_text="An empty string clears it."
        )
        add_tags = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=organising.MAX_TAGS)
        remove_tags = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=organising.MAX_TAGS)
        archived = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema_serializer(component_name="GarmentBulkEditOutput")
    class OutputSerializer(serializers.Serializer):
        updated = serializers.IntegerField()
        failed = serializers.IntegerField()
        results = inline_serializer(
            "GarmentBulkResult",
            {"id": serializers.IntegerField(), "ok": serializers.BooleanField(), "message": serializers.CharField(),
             "name": serializers.CharField()},
            many=True,
        )

    @extend_schema(
        operation_id="garments_bulk_edit", request=InputSerializer, responses={200: OutputSerializer},
        description="Apply the same changes to several of your garments. Each garment gets its own result; an id "
        "that is not one of yours is 'not found'. A change of category re-queues the garment's embedding.",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changes = organising.BulkChanges(
            category=data.get("category"), season=data.get("season"), add_tags=tuple(data.get("add_tags", ())),
            remove_tags=tuple(data.get("remove_tags", ())), archived=data.get("archived"),
        )
        try:
            results = organising.garment_bulk_update(owner=request.user, garment_ids=data["ids"], changes=changes)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}) from exc
        updated = sum(1 for r in results if r.ok)
        body = {"updated": updated, "failed": len(results) - updated, "results": [r.as_dict() for r in results]}
        return Response(self.OutputSerializer(body).data)


def _check_size(upload, field: str) -> None:
    if upload is not None and upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ValidationError({field: [f"The file is larger than {settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)} MB."]})


class ClosetCsvImportApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema_serializer(component_name="ClosetCsvImportInput")
    class InputSerializer(serializers.Serializer):
        csv_file = serializers.FileField(help_text="One row per garment: " + ",".join(closet_import.CSV_COLUMNS))
        photos = serializers.FileField(required=False, help_text="A zip of the photos the image column names.")

    @extend_schema_serializer(component_name="ClosetCsvImportOutput")
    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField()
        rows = serializers.IntegerField()
        created = GarmentOutputSerializer(many=True)
        problems = inline_serializer(
            "ClosetCsvImportProblem",
            {"row": serializers.IntegerField(help_text="Line in the CSV; 0 for the file as a whole."),
             "name": serializers.CharField(), "reason": serializers.CharField()},
            many=True,
        )

    @extend_schema(
        operation_id="closet_csv_import", request=InputSerializer,
        responses={201: OutputSerializer, 400: OutputSerializer},
        description="All or nothing: every row and photo is checked first; with any problem nothing is imported and "
        "the response lists each problem by line (400).",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        csv_file, photos = serializer.validated_data["csv_file"], serializer.validated_data.get("photos")
        _check_size(csv_file, "csv_file")
        _check_size(photos, "photos")
        report = closet_import.closet_csv_import(owner=request.user, csv_file=csv_file, photos_zip=photos)
        body = {
            "ok": report.ok, "rows": report.rows,
            "created": GarmentOutputSerializer(
                report.created, many=True,
                context={"request": request, "tags": selectors.garment_tag_names(garment_ids=[g.pk for g in report.created])},
            ).data,
            "problems": [p.as_dict() for p in report.problems],
        }
        return Response(body, status=status.HTTP_201_CREATED if report.ok else status.HTTP_400_BAD_REQUEST)
