from django.urls import path

from backend.web.workspace.home import views

urlpatterns = [path("", views.home, name="home")]
