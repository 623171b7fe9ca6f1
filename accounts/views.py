from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import portability, restore, services
from accounts.forms import AccountDeleteForm, RestoreForm, SignUpForm


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("wardrobe:closet")
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}! Start by adding a few photos of clothes you own.")
        return redirect("wardrobe:garment-upload")
    return render(request, "registration/signup.html", {"form": form})


def _profile(request: HttpRequest, *, status: int = 200, **context) -> HttpResponse:
    context.setdefault("delete_form", AccountDeleteForm(user=request.user))
    context.setdefault("restore_form", RestoreForm())
    return render(
        request, "accounts/profile.html", {"garment_count": request.user.garments.count(), **context}, status=status
    )


@login_required
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    return _profile(request)


@login_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST, user=request.user)
    if not form.is_valid():
        return _profile(request, delete_form=form, status=400)
    user = request.user
    logout(request)
    count = services.account_delete(user=user)
    messages.success(request, f"Your account and {count} garment{'s' if count != 1 else ''} were deleted.")
    return redirect("wardrobe:home")


@login_required
@require_GET
def data_export(request: HttpRequest) -> FileResponse:
    """The account export (accounts.portability); spooled to disk past 32 MB so a large closet does not fill memory."""
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    portability.account_export(user=request.user, out=spool)
    spool.seek(0)
    stamp = timezone.now().strftime("%Y%m%d")
    return FileResponse(
        spool, as_attachment=True, filename=f"closetspace-{request.user.get_username()}-{stamp}.zip",
        content_type="application/zip",
    )


@login_required
@require_POST
def data_import(request: HttpRequest) -> HttpResponse:
    """Restore an export into this account; the report (what was restored, or every problem) shows on the profile."""
    form = RestoreForm(request.POST, request.FILES)
    if not form.is_valid():
        return _profile(request, restore_form=form, status=400)
    report = restore.account_restore(user=request.user, archive_file=form.cleaned_data["archive"])
    return _profile(request, restore_report=report, status=200 if report.ok else 400)
