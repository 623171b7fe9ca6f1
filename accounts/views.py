from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import portability, restore, services
from accounts.forms import AccountDeleteForm, PreferencesForm, RestoreForm, SignUpForm
from accounts.preferences import preferences_of, preferences_set
from accounts.throttling import RegisterThrottle
from wardrobe.http import safe_next


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("wardrobe:closet")
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        # The same per-address limit as /api/auth/register/ (one counter for both), checked before the form's
        # password validation and hashing.
        throttle = RegisterThrottle()
        if not throttle.allow_request(request, None):
            wait = throttle.wait()
            minutes = max(1, round((wait or 60) / 60))
            form.add_error(None, f"Too many sign-ups from your address. Try again in about {minutes} minutes.")
            response = render(request, "registration/signup.html", {"form": form}, status=429)
            response["Retry-After"] = str(int(wait or 60))
            return response
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, f"Welcome, {user.get_username()}! Two quick questions, then add a few photos of clothes you own."
        )
        # Ask, don't guess: the preferences step comes first, and skipping it goes on to the upload page.
        return redirect(f"{reverse('preferences')}?{urlencode({'next': reverse('wardrobe:garment-upload')})}")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """What the user shops for: the step after sign-up (``next`` is the upload page, with a Skip link to it) and the
    profile's editor (``next`` back to the profile)."""
    next_url = safe_next(request, default=reverse("profile"))
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                preferences_set(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Saved your shopping preferences.")
                return redirect(next_url)
        status = 400
    else:
        form = PreferencesForm(initial=preferences_of(user=request.user).as_dict())
        status = 200
    onboarding = next_url != reverse("profile")
    return render(
        request, "accounts/preferences.html", {"form": form, "next": next_url, "onboarding": onboarding}, status=status
    )


def _profile(request: HttpRequest, *, status: int = 200, **context) -> HttpResponse:
    context.setdefault("delete_form", AccountDeleteForm(user=request.user))
    context.setdefault("restore_form", RestoreForm())
    context.setdefault("preferences", preferences_of(user=request.user))
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
    """The account export (accounts.portability)."""
    return portability.account_export_response(user=request.user)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password through the mailed link also lifts a login lockout on the account: the owner proved who
    they are, so they need not wait out the cool-off an attacker caused."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=self.user.get_username())
        return response

@login_required
@require_POST
def data_import(request: HttpRequest) -> HttpResponse:
    """Restore an export into this account; the report (what was restored, or every problem) shows on the profile."""
    form = RestoreForm(request.POST, request.FILES)
    if not form.is_valid():
        return _profile(request, restore_form=form, status=400)
    report = restore.account_restore(user=request.user, archive_file=form.cleaned_data["archive"])
    return _profile(request, restore_report=report, status=200 if report.ok else 400)
