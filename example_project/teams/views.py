from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from esports.checkout import redirect_to_checkout
from teams import services
from teams.forms import AnnouncementForm, InviteForm, TeamEntryForm
from teams.models import Invitation, Team


def visible_teams(user):  # type: ignore[no-untyped-def]
    return Team.objects.filter(Q(captain=user) | Q(members=user)).distinct()


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    invitations = Invitation.objects.filter(invitee=request.user, status=Invitation.Status.PENDING).select_related(
        "team"
    )
    return render(request, "teams/list.html", {"teams": visible_teams(request.user), "invitations": invitations})


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(visible_teams(request.user).select_related("captain"), pk=pk)
    context = {
        "team": team,
        "members": team.members.order_by("username"),
        "announcements": team.announcements.select_related("author").order_by("-created_at")[:20],
        "is_captain": team.captain_id == request.user.pk,
        "invite_form": InviteForm(),
        "announcement_form": AnnouncementForm(),
        "entry_form": TeamEntryForm(),
        "entries": team.entries.select_related("tournament"),
    }
    return render(request, "teams/detail.html", context)


@login_required
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk, captain=request.user)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invite(team, request.user, form.cleaned_data["username"])
        except services.TeamError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Invitation sent.")
    else:
        messages.error(request, " ".join(form.errors["username"]))
    return redirect("teams:detail", pk=team.pk)


@login_required
def invitation(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("team__captain"), pk=pk, invitee=request.user)
    if request.method == "POST":
        try:
            services.answer(invitation, request.user, accept=request.POST.get("answer") == "accept")
        except services.TeamError as error:
            messages.error(request, str(error))
        return redirect("teams:list")
    return render(request, "teams/invitation.html", {"invitation": invitation})


@login_required
@require_POST
def announce(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk, captain=request.user)
    form = AnnouncementForm(request.POST)
    if form.is_valid():
        services.announce(team, request.user, form.cleaned_data["message"])
        messages.success(request, "Announcement sent to the team.")
    return redirect("teams:detail", pk=team.pk)


@login_required
@require_POST
def enter(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk, captain=request.user)
    form = TeamEntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a tournament.")
        return redirect("teams:detail", pk=team.pk)
    return redirect_to_checkout("team_entry", f"{team.pk}-{form.cleaned_data['tournament'].pk}")
