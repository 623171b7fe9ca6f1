"""Recommendation API: the same selectors and services as the pages, owner-scoped (a garment of another user is a
404, and every list is computed from the caller's own closet and feedback)."""
from __future__ import annotations

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ml.images import Box, BoxError
from recommender import selectors
from recommender.autotag import suggest_for_garment, suggestion_pending
from recommender.forms import GENDER_CHOICES, SIZE_CHOICES
from recommender.models import InventoryItem
from wardrobe import taxonomy
from wardrobe.http import url_for_pk
from wardrobe.images import ImageRejected
from wardrobe.models import Garment
from wardrobe.services import garment_create


def _absolute(request: Request, url: str) -> str:
    return request.build_absolute_uri(url)


class ItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    name = serializers.CharField()
    brand = serializers.CharField()
    category = serializers.CharField()
    gender = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    sizes = serializers.ListField(child=serializers.CharField())
    product_url = serializers.CharField()
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_image_url(self, item: InventoryItem) -> str:
        return _absolute(self.context["request"], url_for_pk("recommender:item-image", item.pk, "full"))

    def get_thumbnail_url(self, item: InventoryItem) -> str:
        return _absolute(self.context["request"], url_for_pk("recommender:item-image", item.pk, "thumb"))


class OwnedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    category = serializers.CharField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_thumbnail_url(self, garment: Garment) -> str:
        return _absolute(self.context["request"], url_for_pk("api-garment-thumbnail", garment.pk))


class InspirationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    board_id = serializers.IntegerField()
    label = serializers.CharField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_thumbnail_url(self, photo) -> str:
        return _absolute(self.context["request"], url_for_pk("wardrobe:board-photo-image", photo.pk, "thumb"))


class CardOutputSerializer(serializers.Serializer):
    item = ItemOutputSerializer()
    score = serializers.FloatField(help_text="Cosine similarity to the (noisy) profile centroid that found it.")
    because_you_own = OwnedRefSerializer(source="because", allow_null=True)
    inspired_by = InspirationRefSerializer(
        source="inspiration", allow_null=True,
        help_text="For a card of the “From your mood board” group: the inspiration photo it comes from.",
    )
    group = serializers.SerializerMethodField(help_text="closet: from your closet's profile; board: from your mood boards.")
    cluster = serializers.IntegerField(help_text="Style cluster of the closet that found it.")
    explore = serializers.BooleanField(help_text="Drawn from further down the list, for discovery.")
    feedback = serializers.CharField(help_text="The caller's like, if any.")

    def get_group(self, card) -> str:
        return "board" if card.inspiration is not None else "closet"


class ItemMatchSerializer(serializers.Serializer):
    item = ItemOutputSerializer()
    score = serializers.FloatField()


class GarmentMatchSerializer(serializers.Serializer):
    garment = OwnedRefSerializer()
    score = serializers.FloatField()


class FilterSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=taxonomy.CATEGORY_CHOICES, required=False)
    min_price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    max_price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    size = serializers.ChoiceField(choices=[c for c, _ in SIZE_CHOICES if c], required=False)
    gender = serializers.ChoiceField(choices=[c for c, _ in GENDER_CHOICES if c], required=False)
    occasion = serializers.ChoiceField(choices=taxonomy.OCCASION_CHOICES, required=False,
                                       help_text="The inventory's usage: casual, formal, sports, ...")

    def validate(self, data):
        if data.get("min_price") is not None and data.get("max_price") is not None and data["min_price"] > data["max_price"]:
            raise ValidationError({"min_price": ["The minimum price is above the maximum price."]})
        return data

    def to_filters(self) -> selectors.RecommendationFilters:
        d = self.validated_data
        return selectors.RecommendationFilters(
            category=d.get("category", ""), min_price=d.get("min_price"), max_price=d.get("max_price"),
            size=d.get("size", ""), gender=d.get("gender", ""), occasion=d.get("occasion", ""),
        )


class AppliedFilterSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=["gender", "size", "budget", "occasion"])
    value = serializers.CharField(help_text="As a person reads it: 'Women', 'M, EU 39', '20 to 80', 'Casual'.")
    source = serializers.ChoiceField(
        choices=["filter", "profile", "closet", "unsure"],
        help_text="filter: this request's parameter; profile: the stated preferences; closet: read from the "
        "closet's photos; unsure: the photos could not tell, so only unisex items are shown.",
    )
    source_text = serializers.CharField()


class RecommendationsApi(APIView):
    @extend_schema_serializer(component_name="RecommendationQuery")
    class QuerySerializer(FilterSerializer):
        seed = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)
        k = serializers.IntegerField(required=False, min_value=1, max_value=100)
        share = serializers.FloatField(
            required=False, min_value=0, max_value=1,
            help_text="Override the stored closet / mood-board mix for this list only.",
        )
        cursor = serializers.CharField(
            required=False, max_length=4000,
            help_text="Show me more: the previous response's next_cursor. The next list keeps at most the best 40% of "
            "that one and fills the rest with items not shown yet. An unknown cursor is ignored.",
        )

    @extend_schema_serializer(component_name="RecommendationPage")
    class OutputSerializer(serializers.Serializer):
        state = serializers.ChoiceField(
            choices=["ready", "onboarding", "embedding", "no_inventory"],
            help_text="ready: personal list; onboarding: no garments yet (starter set); embedding: garments still being "
            "analysed (poll waiting_garment_ids); no_inventory: nothing to recommend from.",
        )
        seed = serializers.IntegerField(help_text="Pass it back to reproduce this list; pass another for a refresh.")
        results = CardOutputSerializer(many=True, source="cards")
        waiting_garment_ids = serializers.ListField(child=serializers.IntegerField(), source="waiting_ids")
        inspiration_share = serializers.FloatField(
            help_text="The closet / mood-board mix this list was made with (0: closet only, 1: boards only)."
        )
        board_photo_count = serializers.IntegerField(help_text="Analysed mood-board photos that shaped the list.")
        next_cursor = serializers.CharField(help_text="Pass it as cursor for the next list (Show me more).")
        applied_filters = AppliedFilterSerializer(
            many=True, source="applied",
            help_text="Every gender, size, budget and occasion constraint the list was made under, and its source.",
        )
        ask_shop_for = serializers.BooleanField(
            help_text="The closet's photos could not say whose clothes they are: only unisex items are shown until "
            "shop_for is set (PATCH /api/account/preferences/)."
        )

    @extend_schema(
        operation_id="recommendations_list",
        summary="Your personal recommendations",
        parameters=[QuerySerializer],
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = selectors.recommendations_for(
            user=request.user, filters=query.to_filters(), seed=query.validated_data.get("seed"),
            k=query.validated_data.get("k", settings.RECOMMENDER_PAGE_SIZE), share=query.validated_data.get("share"),
            shown=selectors.shown_by_cursor(request.user, query.validated_data.get("cursor", "")),
        )
        return Response(self.OutputSerializer(page, context={"request": request}).data)


class RecommendApi(APIView):
    """The reference system's /recommend: liked inventory ids in, ranked recommendations per id out."""

    parser_classes = [JSONParser, FormParser]

    @extend_schema_serializer(component_name="RecommendInput")
    class InputSerializer(FilterSerializer):
        liked = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=50)
        k = serializers.IntegerField(required=False, min_value=1, max_value=50, default=10)

    @extend_schema(
        operation_id="recommend_for_liked",
        summary="Recommendations for each liked item",
        request=InputSerializer,
        responses=inline_serializer(
            "RecommendOutput",
            {"results": inline_serializer("RecommendPerItem", {"item_id": serializers.IntegerField(), "recommendations": ItemMatchSerializer(many=True)}, many=True)},
        ),
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = selectors.recommend_for_liked(
            user=request.user, item_ids=data.validated_data["liked"], k=data.validated_data["k"], filters=data.to_filters()
        )
        ctx = {"request": request}
        return Response({"results": [
            {"item_id": item_id, "recommendations": ItemMatchSerializer(matches, many=True, context=ctx).data}
            for item_id, matches in found.items()
        ]})


class StylePickSerializer(serializers.Serializer):
    garment = OwnedRefSerializer()
    slot = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class RegionStylingSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="What the framed garment is taken for (the shop's vote).")
    colour = serializers.CharField()
    outfit = serializers.SerializerMethodField(help_text="Your own garments that complete an outfit around it.")
    score = serializers.SerializerMethodField()
    message = serializers.CharField()

    def get_outfit(self, styling) -> list[dict]:
        picks = styling.outfit.picks if styling.outfit is not None else []
        return StylePickSerializer(picks, many=True, context=self.context).data

    def get_score(self, styling) -> float | None:
        return styling.outfit.score if styling.outfit is not None else None


class BoxSerializer(serializers.Serializer):
    """A frame on the photo as fractions of its width and height; all four or none (the whole photo)."""

    x = serializers.FloatField(required=False, min_value=0, max_value=1)
    y = serializers.FloatField(required=False, min_value=0, max_value=1)
    w = serializers.FloatField(required=False, min_value=0, max_value=1)
    h = serializers.FloatField(required=False, min_value=0, max_value=1)

    def validate(self, data):
        data = super().validate(data)
        given = [data.get(k) for k in "xywh"]
        if all(v is None for v in given):
            data["box"] = None
        elif any(v is None for v in given):
            raise ValidationError({"non_field_errors": ["A frame needs all of x, y, w and h."]})
        else:
            try:
                data["box"] = Box(*given)
            except BoxError as exc:
                raise ValidationError({"non_field_errors": [f"That frame cannot be searched: {exc}."]}) from None
        return data


class SimilarOutputSerializer(serializers.Serializer):
    items = ItemMatchSerializer(many=True)
    garments = GarmentMatchSerializer(many=True)
    owned_alike = GarmentMatchSerializer(many=True, help_text="Closet matches close enough to say you own something like it.")
    region = RegionStylingSerializer(allow_null=True, help_text="For a framed region: what it is and how to style it.")
    added_garment_id = serializers.SerializerMethodField()
    message = serializers.CharField()

    def get_added_garment_id(self, result) -> int | None:
        return result.added.pk if result.added else None


class SimilarApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema_serializer(component_name="SimilarInput")
    class InputSerializer(BoxSerializer):
        image = serializers.FileField(required=False, allow_empty_file=True, help_text="A photo to search with (not stored unless add_to_closet); x, y, w, h frame one garment of it.")
        item_id = serializers.IntegerField(required=False, min_value=1)
        garment_id = serializers.IntegerField(required=False, min_value=1, help_text="One of your own garments.")
        add_to_closet = serializers.BooleanField(required=False, default=False)
        k = serializers.IntegerField(required=False, min_value=1, max_value=50, default=12)

        def validate(self, data):
            data = super().validate(data)
            given = [f for f in ("image", "item_id", "garment_id") if data.get(f) is not None]
            if len(given) != 1:
                raise ValidationError({"non_field_errors": ["Send exactly one of image, item_id and garment_id."]})
            if data["box"] is not None and data.get("image") is None:
                raise ValidationError({"non_field_errors": ["A frame goes with an image; for a stored photo use /api/search/region/."]})
            return data

    @extend_schema(operation_id="similar_find", summary="Find similar items and garments", request=InputSerializer, responses=SimilarOutputSerializer)
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            if d.get("image") is not None:
                result = selectors.similar_to_image(user=request.user, image=d["image"], k=d["k"], box=d["box"])
                if d["add_to_closet"]:
                    result.added = garment_create(owner=request.user, image=d["image"], normalised=result.photo)
            else:
                result = selectors.similar_to_item(user=request.user, item_id=d.get("item_id"), garment_id=d.get("garment_id"), k=d["k"])
        except ImageRejected as exc:
            raise ValidationError({"image": [str(exc)]}) from exc
        except selectors.SimilarTimeout as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        except (Garment.DoesNotExist, InventoryItem.DoesNotExist):
            raise Http404 from None
        return Response(SimilarOutputSerializer(result, context={"request": request}).data)


class PairingsApi(APIView):
    @extend_schema_serializer(component_name="Pairings")
    class OutputSerializer(serializers.Serializer):
        closet = GarmentMatchSerializer(
            many=True, help_text="Your own garments that go with it (wear what you have): the outfit's picks first."
        )
        outfit = serializers.SerializerMethodField(
            help_text="The outfit completed around it from your closet, slot by slot, with reasons."
        )
        outfit_score = serializers.SerializerMethodField(help_text="The outfit's compatibility score, 0 to 1.")
        inventory = ItemMatchSerializer(
            many=True, help_text="Shop items of other categories that go with it, the outfit's missing slots first."
        )
        category = serializers.CharField(
            help_text="What the garment is paired as: its category, or the shop's vote for a garment left 'other'."
        )
        missing = serializers.ListField(child=serializers.CharField(), help_text="Outfit slots your closet lacks.")
        genders = serializers.SerializerMethodField(help_text="The shop part's gender filter; null: any.")
        message = serializers.CharField(help_text="Why there is nothing at all (the garment is still analysed).")
        closet_message = serializers.CharField(help_text="Why the closet part is empty, when it is.")
        shop_message = serializers.CharField(help_text="Why the shop part is empty, when it is.")

        def get_outfit(self, pairings) -> list[dict]:
            picks = pairings.outfit.picks if pairings.outfit is not None else []
            return StylePickSerializer(picks, many=True, context=self.context).data

        def get_outfit_score(self, pairings) -> float | None:
            return pairings.outfit.score if pairings.outfit is not None else None

        def get_genders(self, pairings) -> list[str] | None:
            return sorted(pairings.genders) if pairings.genders is not None else None

    @extend_schema(operation_id="garment_pairings", summary="Style this garment", responses=OutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        try:
            garment = Garment.objects.get(owner=request.user, pk=pk)
        except Garment.DoesNotExist:
            raise Http404 from None
        return Response(self.OutputSerializer(selectors.pairings_for(garment=garment), context={"request": request}).data)


class FieldSuggestionSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="The form value to pre-select.")
    label = serializers.CharField()
    confidence = serializers.FloatField(
        help_text="How sure the suggestion is, 0..1: the nearest shop items' weighted vote share (category); the "
        "colour model's probability, lowered when the shop items' vote names another colour (colour)."
    )


class GarmentSuggestionsApi(APIView):
    @extend_schema_serializer(component_name="GarmentSuggestions")
    class OutputSerializer(serializers.Serializer):
        state = serializers.ChoiceField(
            choices=["ready", "pending", "unavailable"],
            help_text="ready: suggestions below; pending: the photo is still being analysed (poll); unavailable: "
            "nothing to suggest from (analysis failed, or no analysed shop items yet).",
        )
        category = FieldSuggestionSerializer(required=False, allow_null=True)
        colour = FieldSuggestionSerializer(required=False, allow_null=True)

    @extend_schema(
        operation_id="garment_suggestions",
        summary="Suggested category and colour for your garment, from similar shop items and the photo's own pixels",
        responses=OutputSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        try:
            garment = Garment.objects.get(owner=request.user, pk=pk)
        except Garment.DoesNotExist:
            raise Http404 from None
        if suggestion_pending(garment=garment):
            return Response({"state": "pending"})
        suggestion = suggest_for_garment(garment=garment)
        if suggestion is None:
            return Response({"state": "unavailable"})
        data = {"state": "ready", "category": suggestion.category, "colour": suggestion.colour}
        return Response(self.OutputSerializer(data).data)
