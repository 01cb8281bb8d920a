import pytest
from django.core.exceptions import PermissionDenied

from eyt_notify.models import Notification
from teams import services
from teams.models import Invitation

pytestmark = pytest.mark.django_db


def test_an_invitation_notifies_the_invitee_with_an_accept_link(team, player, make_user):
    guest = make_user("guest")
    invitation = services.invite(team, player, guest)
    notification = Notification.objects.get(recipient=guest, notification_type="team.invitation")
    assert notification.title == "player invited you to Night Owls"
    assert notification.action_url == f"/teams/invitations/{invitation.pk}/"


def test_only_the_captain_invites(team, make_user):
    member, guest = make_user("member"), make_user("guest")
    team.members.add(member)
    with pytest.raises(PermissionDenied):
        services.invite(team, member, guest)
    assert not Invitation.objects.exists()


def test_a_second_pending_invitation_is_refused_and_changes_nothing(team, player, make_user):
    guest = make_user("guest")
    services.invite(team, player, guest)
    with pytest.raises(services.TeamError, match="already has a pending invitation"):
        services.invite(team, player, guest)
    assert Invitation.objects.count() == 1
    assert Notification.objects.filter(recipient=guest).count() == 1


def test_accepting_adds_the_member_once(team, player, make_user):
    guest = make_user("guest")
    invitation = services.invite(team, player, guest)
    services.answer(invitation, guest, accept=True)
    assert team.members.filter(pk=guest.pk).exists()
    with pytest.raises(services.TeamError):
        services.answer(invitation, guest, accept=False)


def test_an_announcement_reaches_every_member_but_its_author(team, player, make_user):
    members = [make_user(f"member{i}") for i in range(5)]
    team.members.add(*members)
    services.announce(team, player, "Scrims tonight at 20:00")
    received = Notification.objects.filter(notification_type="team.announcement")
    assert sorted(n.recipient.username for n in received) == sorted(m.username for m in members)
    assert {n.message for n in received} == {"Scrims tonight at 20:00"}


def test_invitation_page_belongs_to_the_invitee(client, team, player, make_user):
    guest, other = make_user("guest"), make_user("other")
    invitation = services.invite(team, player, guest)
    client.force_login(other)
    assert client.get(f"/teams/invitations/{invitation.pk}/").status_code == 404
    client.force_login(guest)
    response = client.post(f"/teams/invitations/{invitation.pk}/", {"answer": "accept"})
    assert response.status_code == 302
    assert team.members.filter(pk=guest.pk).exists()
