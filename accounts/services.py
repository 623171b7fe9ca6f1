"""Account writes: registration and deletion (which takes the user's garments and their files with it)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.preferences import preferences_set
from wardrobe.models import MoodBoard
from wardrobe.moodboards import board_delete
from wardrobe.services import garment_delete_all


@transaction.atomic
def user_register(
    *, username: str, password: str, email: str = "", preferences: Mapping[str, Any] | None = None
) -> AbstractBaseUser:
    """Create an account, with its shopping preferences when given (the fields of ``preferences_set``). Raises
    ValidationError (per field) for a taken username, a weak password or an invalid preference; then nothing is
    created (one transaction)."""
    User = get_user_model()
    username = username.strip()
    user = User(username=username, email=User.objects.normalize_email(email.strip()))
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    if preferences is not None:
        preferences_set(user=user, **preferences)
    return user


def user_api_token(*, user: AbstractBaseUser) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def account_delete(*, user: AbstractBaseUser) -> int:
    """Delete the user, their garments, mood boards and (after commit) every stored photo and thumbnail. Returns how
    many garments went."""
    deleted = garment_delete_all(owner=user)
    for board in MoodBoard.objects.filter(owner=user):
        board_delete(board=board)
    user.delete()
    return deleted
