from django.urls import path

from backend.web.console.home import views

urlpatterns = [path("", views.home, name="home")]
