from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.views import APIView

from accounts import portability, restore, services
from accounts.models import CLOTHING_SIZE_CHOICES, SHOE_SIZE_CHOICES, SHOP_FOR_CHOICES
from accounts.preferences import EMPTY, Preferences, preferences_check, preferences_of, preferences_set
from accounts.throttling import LOCKED_OUT_MESSAGE, RegisterThrottle
from wardrobe import taxonomy

_SHOP_FOR_HELP = "Whom you shop for: Women, Men, Girls or Boys; blank for anyone."
_BUDGET_HELP = "The least (budget_min) or most (budget_max) you would spend on an item; null for no limit."


@extend_schema_serializer(component_name="PreferencesInput")
class PreferencesInputSerializer(serializers.Serializer):
    """Shopping preferences as sent: every field optional (PUT and sign-up fill what is missing with "not said").
    Checked as a whole by the model's own validation, so one request gets every problem at once."""

    shop_for = serializers.ChoiceField(
        choices=SHOP_FOR_CHOICES, allow_blank=True, required=False, help_text=_SHOP_FOR_HELP
    )
    clothing_size = serializers.ChoiceField(choices=CLOTHING_SIZE_CHOICES, allow_blank=True, required=False)
    shoe_size = serializers.ChoiceField(
        choices=SHOE_SIZE_CHOICES, allow_blank=True, required=False, help_text="EU size; blank for any."
    )
    budget_min = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, allow_null=True, required=False, help_text=_BUDGET_HELP
    )
    budget_max = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, allow_null=True, required=False, help_text=_BUDGET_HELP
    )
    occasions = serializers.ListField(
        child=serializers.ChoiceField(choices=taxonomy.OCCASION_CHOICES), required=False,
        help_text="Occasions you shop for, each once; empty for any.",
    )

    def validate(self, attrs: dict) -> dict:
        try:
            preferences_check(**attrs)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return attrs


@extend_schema_serializer(component_name="PreferencesOutput")
class PreferencesOutputSerializer(serializers.Serializer):
    shop_for = serializers.ChoiceField(choices=SHOP_FOR_CHOICES, allow_blank=True, help_text=_SHOP_FOR_HELP)
    clothing_size = serializers.ChoiceField(choices=CLOTHING_SIZE_CHOICES, allow_blank=True)
    shoe_size = serializers.ChoiceField(
        choices=SHOE_SIZE_CHOICES, allow_blank=True, help_text="EU size; blank for any."
    )
    budget_min = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True, help_text=_BUDGET_HELP)
    budget_max = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True, help_text=_BUDGET_HELP)
    occasions = serializers.ListField(child=serializers.ChoiceField(choices=taxonomy.OCCASION_CHOICES))


def _preferences_body(preferences: Preferences) -> dict:
    return PreferencesOutputSerializer(preferences.as_dict()).data


class RegisterApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema_serializer(component_name="RegisterInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(write_only=True, style={"input_type": "password"})
        email = serializers.EmailField(required=False, allow_blank=True)
        preferences = PreferencesInputSerializer(
            required=False, help_text="Optional shopping preferences, saved with the account (or neither is saved)."
        )

    @extend_schema_serializer(component_name="RegisterOutput")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        token = serializers.CharField()

    @extend_schema(operation_id="auth_register", request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.user_register(**serializer.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        body = {"id": user.pk, "username": user.get_username(), "token": services.user_api_token(user=user)}
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


class TokenApi(ObtainAuthToken):
    """DRF's token login, with the lockout said plainly: the lockout backend refuses a locked-out account or address
    before the password is hashed, and this answers 429 with the reason instead of "Unable to log in"."""

    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else 0
                return Response(
                    {"detail": LOCKED_OUT_MESSAGE.format(minutes=minutes)}, status=status.HTTP_429_TOO_MANY_REQUESTS
                )
            raise ValidationError(serializer.errors)
        return Response({"token": services.user_api_token(user=serializer.validated_data["user"])})

class PreferencesApi(APIView):
    """The caller's own shopping preferences (there is no id: each account reads and writes only its own)."""

    @extend_schema(operation_id="account_preferences_get", responses={200: PreferencesOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(_preferences_body(preferences_of(user=request.user)))

    @extend_schema(
        operation_id="account_preferences_replace", request=PreferencesInputSerializer,
        responses={200: PreferencesOutputSerializer},
        description="Replace them all: a field left out is cleared (blank, null or empty).",
    )
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        operation_id="account_preferences_update", request=PreferencesInputSerializer,
        responses={200: PreferencesOutputSerializer}, description="Change only the fields sent.",
    )
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        serializer = PreferencesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data if partial else {**EMPTY.as_dict(), **serializer.validated_data}
        try:
            saved = preferences_set(user=request.user, **fields)
        except DjangoValidationError as exc:  # valid alone, not with what is stored (a PATCHed minimum above the max)
            raise ValidationError(exc.message_dict) from exc
        return Response(_preferences_body(saved))


class ExportApi(APIView):
    """The account export as a zip (the same file as the profile page's download)."""

    @extend_schema(
        operation_id="account_export", responses={(200, "application/zip"): OpenApiTypes.BINARY},
        description="A zip: manifest.json (versioned: garments, outfits, wears, plans, likes and hides, mood boards, "
        "shopping preferences), "
        "garments.json (version 1's file) and images/<id>.jpg.",
    )
    def get(self, request: Request) -> FileResponse:
        return portability.account_export_response(user=request.user)


class RestoreApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema_serializer(component_name="AccountRestoreInput")
    class InputSerializer(serializers.Serializer):
        archive = serializers.FileField(help_text="An export zip (GET /api/account/export/).")

    @extend_schema_serializer(component_name="AccountRestoreOutput")
    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField()
        version = serializers.IntegerField(help_text="The export's format version.")
        created = serializers.DictField(child=serializers.IntegerField(), help_text="New rows per kind.")
        duplicates = serializers.DictField(child=serializers.IntegerField(), help_text="Skipped as already here, per kind.")
        unavailable = serializers.IntegerField(help_text="Likes and hides of items the shop no longer has.")
        problems = serializers.ListField(child=serializers.CharField())
        preferences_restored = serializers.BooleanField(
            help_text="The export's shopping preferences were set (only into an account that had none saved)."
        )

    @extend_schema(
        operation_id="account_restore", request=InputSerializer, responses={201: OutputSerializer, 400: OutputSerializer},
        description="Restore an export into your account, keeping what is there and skipping duplicates. All or "
        "nothing: with any problem nothing is restored and the response lists them (400).",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        archive = serializer.validated_data["archive"]
        if archive.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise ValidationError({"archive": [f"The file is larger than {settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)} MB."]})
        report = restore.account_restore(user=request.user, archive_file=archive)
        return Response(
            self.OutputSerializer(report.as_dict()).data,
            status=status.HTTP_201_CREATED if report.ok else status.HTTP_400_BAD_REQUEST,
        )
