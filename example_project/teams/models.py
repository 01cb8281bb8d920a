from __future__ import annotations

from django.conf import settings
from django.db import models


class Team(models.Model):
    name = models.CharField(max_length=80, unique=True)
    captain = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="captained_teams")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_invitations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "invitee"], condition=models.Q(status="pending"), name="one_pending_invitation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitee} to {self.team}"


class Announcement(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="announcements")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    message = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.team}: {self.message[:40]}"


class TeamEntry(models.Model):
    """A team entered into a tournament, paid for by its captain (payment type ``team_entry``)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="entries")
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, related_name="team_entries")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "tournament"], name="one_entry_per_team")]

    def __str__(self) -> str:
        return f"{self.team} in {self.tournament}"
