from __future__ import annotations

from django import forms

from wardrobe import taxonomy
from wardrobe.images import ACCEPTED_EXTENSIONS
from wardrobe.models import Garment
from wardrobe.services import EDITABLE_FIELDS, batch_limit_text


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that returns every selected file (Django's documented pattern for <input multiple>)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        """Every selected file, empty ones included: the upload service judges each file on its own, so one bad
        file in a batch is reported by name instead of failing the whole form."""
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class GarmentUploadForm(forms.Form):
    photos = MultipleFileField(
        label="Photos",
        help_text=f"One garment per photo. {ACCEPTED_EXTENSIONS}; you can add details afterwards.",
        error_messages={"required": "Choose at least one photo to upload."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Read at run time: the limits are settings.
        self.fields["photos"].help_text += f" You can upload {batch_limit_text()}."


class GarmentForm(forms.ModelForm):
    class Meta:
        model = Garment
        fields = list(EDITABLE_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}
        labels = {"price_paid": "Price paid"}


class ClosetFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    category = forms.ChoiceField(required=False, choices=[("", "All categories"), *taxonomy.CATEGORY_CHOICES])
    colour = forms.ChoiceField(required=False, choices=[("", "All colours"), *taxonomy.COLOUR_CHOICES])
