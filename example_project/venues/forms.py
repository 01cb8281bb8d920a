from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone


class BookVenueForm(forms.Form):
    starts_at = forms.DateTimeField(label="Start", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    hours = forms.IntegerField(min_value=1, max_value=12, initial=2)

    def clean_starts_at(self):  # type: ignore[no-untyped-def]
        starts_at = self.cleaned_data["starts_at"]
        if starts_at < timezone.now() + timedelta(hours=1):
            raise forms.ValidationError("Book at least one hour ahead.")
        return starts_at
