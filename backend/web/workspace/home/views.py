"""工作台: the unit's home page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backend.web.access import unit_page


@unit_page()
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/workspace/home/home.html")
