"""REST API for mood boards: boards, their photos (upload, pin a garment, delete), the photos' files and the For you
blend. Shop pins and the search by photo + box are the shop's (recommender.api). Owner-scoped: another user's board
or photo is a 404, never a 403."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wardrobe import moodboards, selectors
from wardrobe.http import stored_photo_response, url_for_pk
from wardrobe.images import ImageRejected
from wardrobe.models import BoardPhoto, Garment, MoodBoard


def _api_error(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


def own_board(request: Request, pk: int) -> MoodBoard:
    try:
        return moodboards.board_get(user=request.user, pk=pk)
    except MoodBoard.DoesNotExist:
        raise Http404 from None


def own_board_photo(request: Request, pk: int) -> BoardPhoto:
    try:
        return moodboards.board_photo_get(user=request.user, pk=pk)
    except BoardPhoto.DoesNotExist:
        raise Http404 from None


class BoardPhotoOutputSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = BoardPhoto
        fields = [
            "id", "board", "label", "source", "shop_item_id", "garment", "caption", "embedding_state",
            "embedding_error", "image_url", "thumbnail_url", "created_at",
        ]
        read_only_fields = fields

    def get_image_url(self, photo: BoardPhoto) -> str:
        return self.context["request"].build_absolute_uri(url_for_pk("api-board-photo-image", photo.pk))

    def get_thumbnail_url(self, photo: BoardPhoto) -> str:
        return self.context["request"].build_absolute_uri(url_for_pk("wardrobe:board-photo-image", photo.pk, "thumb"))


class BoardOutputSerializer(serializers.ModelSerializer):
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = MoodBoard
        fields = ["id", "name", "photo_count", "created_at", "updated_at"]
        read_only_fields = fields


class BoardDetailOutputSerializer(BoardOutputSerializer):
    photos = serializers.SerializerMethodField()

    class Meta(BoardOutputSerializer.Meta):
        fields = [*BoardOutputSerializer.Meta.fields, "photos"]
        read_only_fields = fields

    def get_photos(self, board: MoodBoard) -> list[dict]:
        return BoardPhotoOutputSerializer(moodboards.board_photos(board=board), many=True, context=self.context).data


class BoardInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)


class BoardListApi(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(operation_id="boards_list", summary="Your mood boards", responses=BoardOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(BoardOutputSerializer(moodboards.board_list(user=request.user), many=True).data)

    @extend_schema(operation_id="boards_create", summary="Start a mood board", request=BoardInputSerializer, responses={201: BoardOutputSerializer})
    def post(self, request: Request) -> Response:
        data = BoardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            board = moodboards.board_create(owner=request.user, name=data.validated_data["name"])
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        return Response(BoardOutputSerializer(moodboards.board_get(user=request.user, pk=board.pk)).data, status=status.HTTP_201_CREATED)


class BoardDetailApi(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(operation_id="boards_retrieve", summary="A mood board and its photos", responses=BoardDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(BoardDetailOutputSerializer(own_board(request, pk), context={"request": request}).data)

    @extend_schema(operation_id="boards_rename", summary="Rename a mood board", request=BoardInputSerializer, responses=BoardOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        board = own_board(request, pk)
        data = BoardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            moodboards.board_rename(board=board, name=data.validated_data["name"])
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        return Response(BoardOutputSerializer(moodboards.board_get(user=request.user, pk=pk)).data)

    @extend_schema(operation_id="boards_destroy", summary="Delete a mood board and its photos", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        moodboards.board_delete(board=own_board(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BoardPhotoListApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema_serializer(component_name="BoardPhotoInput")
    class InputSerializer(serializers.Serializer):
        image = serializers.FileField(required=False, allow_empty_file=True, help_text="An inspiration photo to upload.")
        garment_id = serializers.IntegerField(required=False, min_value=1, help_text="Pin one of your garments instead.")

        def validate(self, data):
            if (data.get("image") is None) == (data.get("garment_id") is None):
                raise ValidationError({"non_field_errors": ["Send exactly one of image and garment_id."]})
            return data

    @extend_schema(
        operation_id="board_photos_create", summary="Add a photo to a board (upload, or pin a garment)",
        description="Shop items are pinned with POST /api/boards/pin-item/. The photo is analysed in the background: "
        "poll its embedding_state.",
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses={201: BoardPhotoOutputSerializer, 200: BoardPhotoOutputSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        board = own_board(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = True
        try:
            if data.validated_data.get("image") is not None:
                photo = moodboards.board_photo_upload(board=board, image=data.validated_data["image"])
            else:
                try:
                    garment = selectors.garment_get(user=request.user, pk=data.validated_data["garment_id"])
                except Garment.DoesNotExist:
                    raise ValidationError({"garment_id": ["No such garment in your closet."]}) from None
                photo, created = moodboards.board_pin_garment(board=board, garment=garment)
        except ImageRejected as exc:
            raise ValidationError({"image": [str(exc)]}) from exc
        except DjangoValidationError as exc:
            raise _api_error(exc) from exc
        return Response(
            BoardPhotoOutputSerializer(photo, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class BoardPhotoDetailApi(APIView):
    @extend_schema(operation_id="board_photos_retrieve", summary="One board photo", responses=BoardPhotoOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(BoardPhotoOutputSerializer(own_board_photo(request, pk), context={"request": request}).data)

    @extend_schema(operation_id="board_photos_destroy", summary="Remove a photo from its board (and its pull on For you)", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        moodboards.board_photo_delete(photo=own_board_photo(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BoardPhotoImageApi(APIView):
    @extend_schema(operation_id="board_photos_image", summary="The photo (JPEG)", responses={(200, "image/jpeg"): bytes})
    def get(self, request: Request, pk: int) -> FileResponse:
        return stored_photo_response(own_board_photo(request, pk).image.name, cache_control="private, max-age=3600")


class InspirationBlendApi(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema_serializer(component_name="InspirationBlend")
    class BlendSerializer(serializers.Serializer):
        share = serializers.FloatField(
            min_value=0, max_value=1,
            help_text="For you's mix: 0 = only like your closet, 1 = only like your mood boards.",
        )
        is_default = serializers.BooleanField(read_only=True)

    @extend_schema(operation_id="inspiration_blend_retrieve", summary="For you's closet / inspiration mix", responses=BlendSerializer)
    def get(self, request: Request) -> Response:
        share = moodboards.inspiration_share(user=request.user)
        return Response({"share": share, "is_default": not moodboards.has_blend(user=request.user)})

    @extend_schema(operation_id="inspiration_blend_update", summary="Set For you's closet / inspiration mix", request=BlendSerializer, responses=BlendSerializer)
    def put(self, request: Request) -> Response:
        data = self.BlendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        share = moodboards.blend_set(owner=request.user, share=data.validated_data["share"])
        return Response({"share": share, "is_default": False})
