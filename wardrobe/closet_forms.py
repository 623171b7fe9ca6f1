"""Forms of the outfit, wear log, calendar and insights pages (parsing only; the services validate ownership)."""
from __future__ import annotations

from django import forms
from django.utils import timezone

from wardrobe import taxonomy


class IdListField(forms.Field):
    """Ids from repeated `garment` values and/or one comma-separated `order` value, in the order given."""

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, (list, tuple)) else [value]
        ids: list[int] = []
        for v in values:
            for part in str(v or "").split(","):
                part = part.strip()
                if not part:
                    continue
                if not part.isdigit():
                    raise forms.ValidationError("Garments are given by id.")
                ids.append(int(part))
        return list(dict.fromkeys(ids))


class OutfitForm(forms.Form):
    name = forms.CharField(max_length=120, required=False)
    occasion = forms.ChoiceField(required=False, choices=[("", "Any occasion"), *taxonomy.OCCASION_CHOICES])
    season = forms.ChoiceField(required=False, choices=[("", "Any season"), *taxonomy.SEASON_CHOICES])
    notes = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def garment_ids(self) -> list[int]:
        """The builder's order (the `order` field its script fills) first, then any other ticked garment."""
        field = IdListField(required=False)
        ordered = field.clean(self.data.get("order", ""))
        ticked = field.clean(self.data.getlist("garment") if hasattr(self.data, "getlist") else self.data.get("garment", []))
        return list(dict.fromkeys([*[i for i in ordered if i in ticked or not ticked], *ticked]))


class SuggestForm(forms.Form):
    occasion = forms.ChoiceField(required=False, choices=[("", "Any occasion"), *taxonomy.OCCASION_CHOICES])
    season = forms.ChoiceField(required=False, choices=[("", "Any season"), *taxonomy.SEASON_CHOICES])


class WearForm(forms.Form):
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    garment = forms.IntegerField(required=False, min_value=1)
    outfit = forms.IntegerField(required=False, min_value=1)

    def clean_date(self):
        return self.cleaned_data.get("date") or timezone.localdate()


class PlanForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    outfit = forms.IntegerField(min_value=1)
    notes = forms.CharField(max_length=200, required=False)
