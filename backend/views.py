from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """A landing page: which host this is and where the API lives."""
    return render(request, "home.html", {"unit": getattr(request, "tenant", None)})
