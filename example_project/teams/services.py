"""Team membership: invitations with an accept link, and announcements to every member in one call."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from eyt_notify import notify
from teams.models import Announcement, Invitation, Team


class TeamError(Exception):
    """A refused team action; its message is safe to show."""


def invite(team: Team, captain: Any, invitee: Any) -> Invitation:
    if team.captain_id != captain.pk:
        raise PermissionDenied
    if team.members.filter(pk=invitee.pk).exists():
        raise TeamError(f"{invitee.get_username()} is already in {team.name}.")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(team=team, invitee=invitee)
            notify(
                invitee,
                "team.invitation",
                context={"team": team.name, "captain": captain.get_username()},
                action_url=reverse("teams:invitation", args=[invitation.pk]),
                actor=captain,
                target=team,
                idempotency_key=f"team-invitation:{invitation.pk}",
            )
    except IntegrityError:
        raise TeamError(f"{invitee.get_username()} already has a pending invitation.") from None
    return invitation


@transaction.atomic
def answer(invitation: Invitation, user: Any, *, accept: bool) -> None:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk, invitee=user)
    if locked.status != Invitation.Status.PENDING:
        raise TeamError("This invitation was already answered.")
    locked.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.DECLINED
    locked.save(update_fields=["status"])
    if accept:
        locked.team.members.add(user)


@transaction.atomic
def announce(team: Team, captain: Any, message: str) -> Announcement:
    if team.captain_id != captain.pk:
        raise PermissionDenied
    announcement = Announcement.objects.create(team=team, author=captain, message=message)
    notify(
        team.members.exclude(pk=captain.pk),
        "team.announcement",
        context={"team": team.name, "message": message},
        action_url=reverse("teams:detail", args=[team.pk]),
        actor=captain,
        target=team,
        idempotency_key=f"team-announcement:{announcement.pk}",
    )
    return announcement
