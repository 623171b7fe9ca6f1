"""Crop-to-search and pin-to-board API: a framed region of the caller's own board or closet photo searched in the
shop and the closet, and a shop item pinned to one of the caller's boards."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ml.images import Box, ImageLoadError
from recommender import selectors
from recommender.api import BoxSerializer, SimilarOutputSerializer
from recommender.models import InventoryItem
from recommender.services.moodboard import pin_shop_item
from wardrobe import moodboards
from wardrobe.board_api import BoardPhotoOutputSerializer, own_board
from wardrobe.embedding import read_stored_file
from wardrobe.images import ImageRejected
from wardrobe.models import BoardPhoto, Garment


class RegionSearchApi(APIView):
    """Crop to search on a stored photo: one of your mood-board photos or closet photos, and a frame on it."""

    parser_classes = [JSONParser, FormParser]

    @extend_schema_serializer(component_name="RegionSearchInput")
    class InputSerializer(BoxSerializer):
        board_photo_id = serializers.IntegerField(required=False, min_value=1)
        garment_id = serializers.IntegerField(required=False, min_value=1)
        k = serializers.IntegerField(required=False, min_value=1, max_value=50, default=12)

        def validate(self, data):
            data = super().validate(data)
            if (data.get("board_photo_id") is None) == (data.get("garment_id") is None):
                raise ValidationError({"non_field_errors": ["Send exactly one of board_photo_id and garment_id."]})
            if data["box"] is None:
                data["box"] = Box(0, 0, 1, 1)
            return data

    @extend_schema(
        operation_id="search_region", summary="Search by a region of a stored photo",
        description="Similar shop items, what you already own like it, and what you own to style it with.",
        request=InputSerializer, responses=SimilarOutputSerializer,
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            if d.get("board_photo_id") is not None:
                name, exclude = moodboards.board_photo_get(user=request.user, pk=d["board_photo_id"]).image.name, None
            else:
                garment = Garment.objects.get(owner=request.user, pk=d["garment_id"])
                name, exclude = garment.image.name, garment.pk
        except (BoardPhoto.DoesNotExist, Garment.DoesNotExist):
            raise Http404 from None
        try:
            result = selectors.similar_to_region(
                user=request.user, photo=read_stored_file(name), box=d["box"], k=d["k"], exclude_garment=exclude
            )
        except ImageLoadError as exc:
            raise Http404(f"The photo cannot be read: {exc}") from exc
        except selectors.SimilarTimeout as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(SimilarOutputSerializer(result, context={"request": request}).data)


class PinItemApi(APIView):
    """Pin a shop item to a mood board (your most recent one, or a new one, when board_id is left out)."""

    parser_classes = [JSONParser, FormParser]

    @extend_schema_serializer(component_name="PinItemInput")
    class InputSerializer(serializers.Serializer):
        item_id = serializers.IntegerField(min_value=1)
        board_id = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        operation_id="boards_pin_item", summary="Pin a shop item to a mood board", request=InputSerializer,
        responses={201: BoardPhotoOutputSerializer, 200: BoardPhotoOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        board = own_board(request, data.validated_data["board_id"]) if data.validated_data.get("board_id") else None
        try:
            photo, created = pin_shop_item(user=request.user, item_id=data.validated_data["item_id"], board=board)
        except InventoryItem.DoesNotExist:
            raise Http404 from None
        except ImageRejected as exc:
            raise ValidationError({"item_id": [str(exc)]}) from exc
        except DjangoValidationError as exc:
            raise ValidationError({"non_field_errors": exc.messages}) from exc
        return Response(
            BoardPhotoOutputSerializer(photo, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
