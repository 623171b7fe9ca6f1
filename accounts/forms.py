from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from django.core.exceptions import ValidationError

from accounts.models import CLOTHING_SIZE_CHOICES, SHOE_SIZE_CHOICES, SHOP_FOR_CHOICES
from accounts.preferences import preferences_check
from wardrobe import taxonomy


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Optional; only used to reset your password.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Type your password to confirm.",
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password


class RestoreForm(forms.Form):
    archive = forms.FileField(
        label="Export zip", help_text="A zip downloaded with “Download my data”, from this or another account.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def clean_archive(self):
        upload = self.cleaned_data["archive"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return upload


# The budget inputs: amounts from 0, in cents, described by the page's note on the pair ("budget-help").
_BUDGET_ATTRS = {"min": "0", "step": "0.01", "inputmode": "decimal", "aria-describedby": "budget-help"}


class PreferencesForm(forms.Form):
    """The shopping preferences page: every part optional, blank meaning "anyone" / "not said"."""

    shop_for = forms.ChoiceField(
        label="Who do you shop for?", required=False, widget=forms.RadioSelect,
        choices=[("", "Anyone"), *SHOP_FOR_CHOICES],
    )
    clothing_size = forms.ChoiceField(
        label="Clothing size", required=False, choices=[("", "Any size"), *CLOTHING_SIZE_CHOICES],
    )
    shoe_size = forms.ChoiceField(
        label="Shoe size (EU)", required=False, choices=[("", "Any size"), *SHOE_SIZE_CHOICES],
    )
    budget_min = forms.DecimalField(
        label="From (€)", required=False, min_value=0, max_digits=9, decimal_places=2,
        widget=forms.NumberInput(attrs={**_BUDGET_ATTRS, "placeholder": "No minimum"}),
    )
    budget_max = forms.DecimalField(
        label="Up to (€)", required=False, min_value=0, max_digits=9, decimal_places=2,
        widget=forms.NumberInput(attrs={**_BUDGET_ATTRS, "placeholder": "No maximum"}),
    )
    occasions = forms.MultipleChoiceField(
        label="Occasions you shop for", required=False, widget=forms.CheckboxSelectMultiple,
        choices=taxonomy.OCCASION_CHOICES,
    )

    def clean(self) -> dict:
        """The model's checks across fields (a budget the wrong way round) as well, so one post shows every problem."""
        cleaned = super().clean()
        try:
            preferences_check(**cleaned)
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned

    def add_error(self, field, error) -> None:
        """Errors (the form's own and the service's) are tied to their inputs, so a screen reader reads the message
        with the input: ``aria-describedby`` names the message's id, ``<id>-error`` (the template gives it)."""
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                described = attrs.get("aria-describedby", "").split()
                error_id = f"{self[name].auto_id}-error"
                attrs["aria-describedby"] = " ".join([*described, error_id] if error_id not in described else described)
                attrs["aria-invalid"] = "true"
