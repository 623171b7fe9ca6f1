from __future__ import annotations

from django import forms

from ml.images import Box, BoxError
from recommender.models import Feedback
from recommender.selectors import RecommendationFilters
from wardrobe import taxonomy
from wardrobe.images import ACCEPTED_EXTENSIONS

GENDER_CHOICES = [("", "Anyone"), *taxonomy.GENDER_CHOICES]
SIZE_CHOICES = [("", "Any size"), *taxonomy.SIZE_CHOICES]


class FixedChoiceField(forms.ChoiceField):
    """A ChoiceField whose choices are the same for every form: each form shares them instead of deep-copying them
    (Django copies a form's fields per instance, and For you builds this form on every page)."""

    def __deepcopy__(self, memo):
        return forms.Field.__deepcopy__(self, memo)


class RecommendationFilterForm(forms.Form):
    category = FixedChoiceField(required=False, choices=[("", "All categories"), *taxonomy.CATEGORY_CHOICES])
    min_price = forms.DecimalField(required=False, min_value=0, max_digits=10, decimal_places=2, label="Min price")
    max_price = forms.DecimalField(required=False, min_value=0, max_digits=10, decimal_places=2, label="Max price")
    size = FixedChoiceField(required=False, choices=SIZE_CHOICES)
    gender = FixedChoiceField(required=False, choices=GENDER_CHOICES)
    occasion = FixedChoiceField(required=False, choices=[("", "Any occasion"), *taxonomy.OCCASION_CHOICES])
    seed = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput)
    cursor = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)  # "Show me more"

    def clean(self):
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("The minimum price is above the maximum price.")
        return data

    def to_filters(self) -> RecommendationFilters:
        data = self.cleaned_data
        return RecommendationFilters(
            category=data.get("category") or "",
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            size=data.get("size") or "",
            gender=data.get("gender") or "",
            occasion=data.get("occasion") or "",
        )


class FeedbackForm(forms.Form):
    item = forms.IntegerField(min_value=1)
    kind = forms.ChoiceField(choices=[*Feedback.Kind.choices, ("clear", "Undo")])


class SimilarUploadForm(forms.Form):
    photo = forms.FileField(
        label="Photo", help_text=f"Any photo of one garment. {ACCEPTED_EXTENSIONS}",
        error_messages={"required": "Choose a photo to search with."},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"}),
    )
    add_to_closet = forms.BooleanField(required=False, label="Also add to my closet")


class BoxForm(forms.Form):
    """A frame around one garment of a photo, as fractions of its width and height (``ml.images.Box``). All four
    empty: the whole photo."""

    x = forms.FloatField(required=False, min_value=0, max_value=1)
    y = forms.FloatField(required=False, min_value=0, max_value=1)
    w = forms.FloatField(required=False, min_value=0, max_value=1)
    h = forms.FloatField(required=False, min_value=0, max_value=1)

    def clean(self) -> dict:
        data = super().clean()
        values = [data.get(k) for k in "xywh"]
        if all(v is None for v in values):
            data["box"] = None
        elif any(v is None for v in values):
            raise forms.ValidationError("A frame needs all of x, y, w and h.")
        else:
            try:
                data["box"] = Box(*values)
            except BoxError as exc:
                raise forms.ValidationError(f"That frame cannot be searched: {exc}.") from None
        return data


class SimilarRegionUploadForm(SimilarUploadForm, BoxForm):
    """Find similar's upload with an optional frame drawn on the photo before it is sent."""


class PinItemForm(forms.Form):
    board = forms.IntegerField(required=False, min_value=1)
