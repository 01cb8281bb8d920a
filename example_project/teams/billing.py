"""Team entries: the captain pays a tournament's entry fee once for the whole team."""

from __future__ import annotations

from typing import Any

from eyt_notify import notify
from eyt_payments.exceptions import UnknownPayable
from eyt_payments.models import Payment
from eyt_payments.payables import Payable, register_payable
from teams.models import Team, TeamEntry
from tournaments.models import Tournament


def price_team_entry(ref: str, user: Any) -> Payable:
    """``ref`` is ``<team id>-<tournament id>``; only the captain pays."""
    team_id, _, tournament_id = str(ref).partition("-")
    team = Team.objects.filter(pk=team_id if team_id.isdigit() else None, captain=user).first()
    tournament = Tournament.objects.filter(pk=tournament_id if tournament_id.isdigit() else None).first()
    if team is None or tournament is None or tournament.has_started:
        raise UnknownPayable(user_message="Only the captain can enter this team into an open tournament.")
    if TeamEntry.objects.filter(team=team, tournament=tournament).exists():
        raise UnknownPayable(user_message="This team is already entered.")
    return Payable(
        tournament.entry_fee,
        tournament.currency,
        f"Team entry: {team.name} in {tournament.name}",
        tournament,
        metadata={"team": str(team.pk)},
    )


def enter_team(payment: Payment, **kwargs: Any) -> None:
    tournament = payment.reference
    team = Team.objects.get(pk=payment.metadata["team"])
    TeamEntry.objects.get_or_create(team=team, tournament=tournament)
    notify(
        team.members.all(),
        "team.announcement",
        context={"team": team.name, "message": f"{team.name} is entered into {tournament.name}."},
        action_url=f"/teams/{team.pk}/",
        actor=payment.user,
        target=team,
        idempotency_key=f"team-entered:{team.pk}:{tournament.pk}",
    )


def register() -> None:
    register_payable("team_entry", price_team_entry, on_succeeded=enter_team)
