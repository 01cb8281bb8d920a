from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from tournaments.models import Tournament


class InviteForm(forms.Form):
    username = forms.CharField(max_length=150)

    def clean_username(self):  # type: ignore[no-untyped-def]
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError("No player has that username.")
        return user


class AnnouncementForm(forms.Form):
    message = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class TeamEntryForm(forms.Form):
    tournament = forms.ModelChoiceField(queryset=Tournament.objects.none())

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["tournament"].queryset = Tournament.objects.filter(starts_at__gt=timezone.now())
