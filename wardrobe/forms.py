from __future__ import annotations

from django import forms
from django.conf import settings

from wardrobe import organising, taxonomy
from wardrobe.images import ACCEPTED_EXTENSIONS
from wardrobe.models import Garment
from wardrobe.selectors import SORT_CHOICES
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
    tags = forms.CharField(
        required=False, max_length=1000, help_text="Your own labels, separated by commas (e.g. work, gift from mum).",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Garment
        fields = list(EDITABLE_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}
        labels = {"price_paid": "Price paid"}

    def __init__(self, *args, tags: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if tags:
            self.initial["tags"] = ", ".join(tags)

    def clean_tags(self) -> list[str]:
        try:
            return organising.parse_tags(self.cleaned_data.get("tags") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class ClosetFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    category = forms.ChoiceField(required=False, choices=[("", "All categories"), *taxonomy.CATEGORY_CHOICES])
    colour = forms.ChoiceField(required=False, choices=[("", "All colours"), *taxonomy.COLOUR_CHOICES])
    season = forms.ChoiceField(required=False, choices=[("", "All seasons"), *taxonomy.SEASON_CHOICES])
    tag = forms.CharField(required=False, max_length=taxonomy.TAG_MAX_LENGTH)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    archived = forms.BooleanField(required=False)

    def clean_tag(self) -> str:
        return taxonomy.normalise_tag(self.cleaned_data.get("tag") or "")


_KEEP = [("", "Keep as is")]
ARCHIVE_CHOICES = [("", "Keep as is"), ("archive", "Archive"), ("unarchive", "Back to the closet")]


class BulkEditForm(forms.Form):
    """Changes for the selected garments; the ids come from the closet's checkboxes (owner checked by the service)."""

    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), error_messages={"required": "Select at least one garment."})
    category = forms.ChoiceField(required=False, choices=[*_KEEP, *taxonomy.CATEGORY_CHOICES])
    season = forms.ChoiceField(required=False, choices=[*_KEEP, ("-", "No season"), *taxonomy.SEASON_CHOICES])
    add_tags = forms.CharField(required=False, max_length=1000, label="Add tags")
    remove_tags = forms.CharField(required=False, max_length=1000, label="Remove tags")
    archive = forms.ChoiceField(required=False, choices=ARCHIVE_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any integer is accepted here: an id that is not the user's is reported per garment as not found.
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else self.data.get("ids", [])
        self.fields["ids"].choices = [(v, v) for v in raw if str(v).isdigit()]

    def changes(self) -> organising.BulkChanges:
        data = self.cleaned_data
        season = data.get("season") or None
        return organising.BulkChanges(
            category=data.get("category") or None,
            season="" if season == "-" else season,
            add_tags=tuple(organising.parse_tags(data.get("add_tags") or "")),
            remove_tags=tuple(organising.parse_tags(data.get("remove_tags") or "")),
            archived={"archive": True, "unarchive": False}.get(data.get("archive") or ""),
        )

    def clean(self) -> dict:
        data = super().clean()
        for key in ("add_tags", "remove_tags"):
            try:
                organising.parse_tags(data.get(key) or "")
            except ValueError as exc:
                self.add_error(key, str(exc))
        if not self.errors and self.changes().is_empty():
            raise forms.ValidationError("Choose at least one change for the selected garments.")
        return data


class ClosetImportForm(forms.Form):
    csv_file = forms.FileField(
        label="CSV file", help_text="One row per garment: name, brand, category, colour, size, price_paid, season, "
        "tags, image (the photo's file name in the zip).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    photos = forms.FileField(
        label="Zip of photos", help_text="The photos the image column names.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        for key in ("csv_file", "photos"):
            upload = data.get(key)
            if upload is not None and upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
                self.add_error(key, f"The file is larger than {settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return data


class BoardForm(forms.Form):
    name = forms.CharField(max_length=80, label="Board name", initial="My inspiration")


class BoardPhotoUploadForm(forms.Form):
    photos = MultipleFileField(
        label="Inspiration photos",
        help_text=f"A look you like, a street photo, a magazine page. {ACCEPTED_EXTENSIONS}.",
        error_messages={"required": "Choose at least one photo to add."},
    )


class PinGarmentForm(forms.Form):
    garment = forms.IntegerField(min_value=1)


class BlendForm(forms.Form):
    """The For you slider as a percentage: 0 = like my closet, 100 = like my inspiration."""

    share = forms.IntegerField(min_value=0, max_value=100)
