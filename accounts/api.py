from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.views import APIView

from accounts import services
from accounts.throttling import LOCKED_OUT_MESSAGE, RegisterThrottle


class RegisterApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema_serializer(component_name="RegisterInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(write_only=True, style={"input_type": "password"})
        email = serializers.EmailField(required=False, allow_blank=True)

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
