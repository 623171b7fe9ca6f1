"""The API's exception handler: DRF's own, plus the request-body limits Django enforces while it parses a body.

Django raises those (too many files or fields, a body over DATA_UPLOAD_MAX_MEMORY_SIZE) as SuspiciousOperation
subclasses that DRF does not handle, so without this they end as Django's bare HTML "Bad Request (400)" page.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from wardrobe.services import batch_limit_text


def body_limit_message(exc: Exception) -> str:
    """What a request refused by Django's parser limits is told, on the pages and in the API alike."""
    if isinstance(exc, TooManyFilesSent):
        return (
            f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files were sent at once; "
            f"you can upload {batch_limit_text()}. Nothing was added."
        )
    if isinstance(exc, TooManyFieldsSent):
        return f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} form fields were sent at once."
    return f"The request is too large; you can upload {batch_limit_text()}. Nothing was added."


BODY_LIMIT_ERRORS = (TooManyFilesSent, TooManyFieldsSent, RequestDataTooBig)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is None and isinstance(exc, BODY_LIMIT_ERRORS):
        response = Response({"detail": body_limit_message(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return response
