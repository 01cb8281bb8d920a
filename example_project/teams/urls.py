from django.urls import path

from teams import views

app_name = "teams"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("<int:pk>/", views.team_detail, name="detail"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/announce/", views.announce, name="announce"),
    path("<int:pk>/enter/", views.enter, name="enter"),
    path("invitations/<int:pk>/", views.invitation, name="invitation"),
]
