from django.urls import path

from venues import views

app_name = "venues"
urlpatterns = [
    path("", views.venue_list, name="list"),
    path("<int:pk>/book/", views.book, name="book"),
]
