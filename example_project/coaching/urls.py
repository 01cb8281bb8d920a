from django.urls import path

from coaching import views

app_name = "coaching"
urlpatterns = [
    path("", views.coaching_home, name="home"),
    path("book/", views.book, name="book"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
]
