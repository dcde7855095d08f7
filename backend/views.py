from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.models import Procuratorate


def home(request: HttpRequest) -> HttpResponse:
    """A landing page: which host this is and where the API lives."""
    tenant = getattr(request, "tenant", None)
    unit = tenant if isinstance(tenant, Procuratorate) else None
    return render(request, "home.html", {"unit": unit})
