"""Sign-in pages, on every host."""

from django.urls import path

from backend.web.accounts import views

urlpatterns = [
    path("login/", views.login, name="web-login"),
    path("logout/", views.logout, name="web-logout"),
    path("account/password/", views.password_change, name="web-password"),
    path("account/password/done/", views.password_done, name="web-password-done"),
    path("account/places/", views.places, name="web-places"),
]
