from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from coaching.models import Coach


class BookSessionForm(forms.Form):
    coach = forms.ModelChoiceField(queryset=Coach.objects.select_related("user"))
    starts_at = forms.DateTimeField(
        label="Start", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), help_text="Your local time."
    )
    minutes = forms.TypedChoiceField(choices=[(30, "30 minutes"), (60, "1 hour"), (90, "90 minutes")], coerce=int)

    def clean_starts_at(self):  # type: ignore[no-untyped-def]
        starts_at = self.cleaned_data["starts_at"]
        if starts_at < timezone.now() + timedelta(hours=1):
            raise forms.ValidationError("Book at least one hour ahead.")
        return starts_at
