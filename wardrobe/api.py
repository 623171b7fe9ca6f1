"""REST API for the closet: small APIViews with nested Input/Output serializers over the same services and
selectors the pages use. Everything is owner-scoped; another user's garment is a 404, never a 403."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wardrobe import organising, selectors, services, taxonomy, upload_tags
from wardrobe.models import Garment


class GarmentOutputSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    cutout_url = serializers.SerializerMethodField(
        help_text="The photo with its background removed, which the embedding reads when use_cutout is true; null "
        "when nothing was cut away (a photo on white) or the embedding has not run yet."
    )
    tags = serializers.SerializerMethodField()
    suggested_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=upload_tags.FIELDS), read_only=True,
        help_text="Fields filled in from the photo and not yet saved by the owner (shown as suggested); saving a "
        "field (PATCH) makes it the owner's own.",
    )

    class Meta:
        model = Garment
        fields = [
            "id", "name", "brand", "category", "colour", "size", "price_paid", "season", "tags", "notes", "archived_at",
            "image_url", "thumbnail_url", "cutout_url", "use_cutout", "image_width", "image_height", "suggested_fields",
            "embedding_state", "embedding_error", "embedding_version", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_tags(self, garment: Garment) -> list[str]:
        # The list view prefetches the page's tags (context "tags"); a single garment reads its own.
        page_tags = self.context.get("tags")
        if page_tags is not None and garment.pk in page_tags:
            return page_tags[garment.pk]
        return selectors.garment_tag_names(garment_ids=[garment.pk])[garment.pk]

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_image_url(self, garment: Garment) -> str:
        return self._absolute(reverse("api-garment-image", args=[garment.pk]))

    def get_thumbnail_url(self, garment: Garment) -> str:
        return self._absolute(reverse("api-garment-thumbnail", args=[garment.pk]))

    def get_cutout_url(self, garment: Garment) -> str | None:
        return self._absolute(reverse("api-garment-cutout", args=[garment.pk])) if garment.cutout else None


class GarmentFieldsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    brand = serializers.CharField(max_length=80, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=taxonomy.CATEGORY_CHOICES, required=False)
    colour = serializers.ChoiceField(choices=taxonomy.COLOUR_CHOICES, required=False, allow_blank=True)
    size = serializers.CharField(max_length=20, required=False, allow_blank=True)
    price_paid = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0, required=False, allow_null=True)
    season = serializers.ChoiceField(choices=taxonomy.SEASON_CHOICES, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


def _own_garment(request: Request, pk: int) -> Garment:
    try:
        return selectors.garment_get(user=request.user, pk=pk)
    except Garment.DoesNotExist:
        raise Http404 from None


def _raise_as_api_error(exc: DjangoValidationError) -> None:
    raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


class GarmentPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


@extend_schema_serializer(component_name="PaginatedGarmentList")
class GarmentPageSerializer(serializers.Serializer):
    """What GET /api/garments/ returns (GarmentPagination's page), written out because an APIView that paginates by
    hand is documented by drf-spectacular as a bare list."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = GarmentOutputSerializer(many=True)


class GarmentListApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="GarmentFilter")
    class FilterSerializer(serializers.Serializer):
        category = serializers.ChoiceField(choices=taxonomy.CATEGORY_CHOICES, required=False)
        colour = serializers.ChoiceField(choices=taxonomy.COLOUR_CHOICES, required=False)
        q = serializers.CharField(required=False, max_length=100)
        season = serializers.ChoiceField(choices=taxonomy.SEASON_CHOICES, required=False)
        tag = serializers.CharField(required=False, max_length=taxonomy.TAG_MAX_LENGTH)
        archived = serializers.BooleanField(required=False, default=False)
        sort = serializers.ChoiceField(choices=selectors.SORT_CHOICES, required=False, default="newest")

    @extend_schema_serializer(component_name="GarmentCreateInput")
    class InputSerializer(GarmentFieldsSerializer):
        image = serializers.FileField(allow_empty_file=True, help_text="JPEG, PNG, WebP or HEIC photo of one garment.")

    @extend_schema(
        operation_id="garments_list",
        parameters=[
            OpenApiParameter("category", str, enum=sorted(taxonomy.CATEGORIES)),
            OpenApiParameter("colour", str, enum=sorted(taxonomy.COLOURS)),
            OpenApiParameter("q", str, description="Words that must all appear in the name or brand."),
            OpenApiParameter("season", str, enum=sorted(taxonomy.SEASONS)),
            OpenApiParameter("tag", str, description="Only garments with this tag."),
            OpenApiParameter("archived", bool, description="true: the archived garments instead of the closet."),
            OpenApiParameter("sort", str, enum=sorted(selectors.SORTS)),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=GarmentPageSerializer,
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        criteria = dict(filters.validated_data)
        if "tag" in criteria:
            criteria["tag"] = taxonomy.normalise_tag(criteria["tag"])
        qs = selectors.garment_list(user=request.user, **criteria)
        paginator = GarmentPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        tags = selectors.garment_tag_names(garment_ids=[g.pk for g in page])
        data = GarmentOutputSerializer(page, many=True, context={"request": request, "tags": tags}).data
        return paginator.get_paginated_response(data)

    @extend_schema(operation_id="garments_create", request=InputSerializer, responses={201: GarmentOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        image = fields.pop("image")
        try:
            garment = services.garment_create(owner=request.user, image=image, **fields)
        except services.ImageRejected as exc:
            raise ValidationError({"image": [str(exc)]}) from exc
        except DjangoValidationError as exc:
            _raise_as_api_error(exc)
        return Response(GarmentOutputSerializer(garment, context={"request": request}).data, status=status.HTTP_201_CREATED)


class GarmentBatchApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema_serializer(component_name="GarmentBatchInput")
    class InputSerializer(serializers.Serializer):
        images = serializers.ListField(child=serializers.FileField(allow_empty_file=True), allow_empty=False)

    @extend_schema_serializer(component_name="GarmentBatchOutput")
    class OutputSerializer(serializers.Serializer):
        created = GarmentOutputSerializer(many=True)
        rejected = inline_serializer(
            "GarmentRejection", {"filename": serializers.CharField(), "error": serializers.CharField()}, many=True
        )

    @extend_schema_serializer(component_name="GarmentBatchError")
    class ErrorSerializer(serializers.Serializer):
        """Every 400 of the batch: the per-photo report when no photo was kept, or why the request was refused."""

        created = GarmentOutputSerializer(many=True, required=False, help_text="Empty: no photo was kept.")
        rejected = inline_serializer(
            "GarmentRejectionReport", {"filename": serializers.CharField(), "error": serializers.CharField()},
            many=True, required=False,
        )
        images = serializers.ListField(
            child=serializers.CharField(), required=False,
            help_text="Why the batch was refused before any photo was looked at (none sent, over the batch limits).",
        )
        detail = serializers.CharField(required=False, help_text="A body Django would not parse (too many files).")

    @extend_schema(
        operation_id="garments_batch_create",
        request=InputSerializer,
        responses={201: OutputSerializer, 400: ErrorSerializer},
        description="One garment per photo. Rejected photos are listed; the others are kept. 400 when none was kept, "
        "or when the batch is over the limits (UPLOAD_BATCH_MAX_FILES, UPLOAD_BATCH_MAX_BYTES) and nothing was added.",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data={"images": request.FILES.getlist("images")})
        serializer.is_valid(raise_exception=True)
        try:
            result = services.garment_create_batch(owner=request.user, images=serializer.validated_data["images"])
        except services.BatchTooLarge as exc:
            raise ValidationError({"images": [str(exc)]}) from exc
        body = {
            "created": GarmentOutputSerializer(result.created, many=True, context={"request": request}).data,
            "rejected": [{"filename": r.filename, "error": r.message} for r in result.rejected],
        }
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_400_BAD_REQUEST)


class GarmentDetailApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="GarmentUpdateInput")
    class InputSerializer(GarmentFieldsSerializer):
        tags = serializers.ListField(
            child=serializers.CharField(max_length=200), required=False, max_length=organising.MAX_TAGS,
            help_text="Replaces the garment's tags (normalised: lower case, no '#').",
        )
        archived = serializers.BooleanField(required=False, help_text="true archives the garment; false puts it back.")
        use_cutout = serializers.BooleanField(
            required=False, help_text="true: the embedding reads the cut-out (cutout_url); false: the photo as taken. "
            "A change re-embeds the garment.",
        )

    @extend_schema(operation_id="garments_retrieve", responses=GarmentOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(GarmentOutputSerializer(_own_garment(request, pk), context={"request": request}).data)

    @extend_schema(operation_id="garments_partial_update", request=InputSerializer, responses=GarmentOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        garment = _own_garment(request, pk)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        tags, archived = data.pop("tags", None), data.pop("archived", None)
        try:
            organising.garment_edit(garment=garment, data=data, tags=tags, archived=archived)
        except DjangoValidationError as exc:
            _raise_as_api_error(exc)
        return Response(GarmentOutputSerializer(garment, context={"request": request}).data)

    @extend_schema(operation_id="garments_destroy", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.garment_delete(garment=_own_garment(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GarmentImageApi(APIView):
    variant = "full"

    @extend_schema(operation_id=None, responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> FileResponse:
        garment = _own_garment(request, pk)
        name = {"thumb": garment.thumbnail.name, "cutout": garment.cutout.name}.get(self.variant, garment.image.name)
        if not name:
            raise Http404
        try:
            return FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
        except (OSError, ValueError):
            raise Http404 from None


class GarmentThumbnailApi(GarmentImageApi):
    variant = "thumb"


class GarmentCutoutApi(GarmentImageApi):
    """The garment's cut-out (404 when it has none)."""

    variant = "cutout"


