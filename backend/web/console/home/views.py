"""The console's front door: where each kind of user starts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from backend.accounts import policy
from backend.accounts.policy import Op
from backend.web.access import console_page, host_unit, signed_in


@signed_in
def start(request: HttpRequest) -> HttpResponse:
    """The console home for reviewers, the assignments for an evaluator, else the places the
    user can work (a unit user who came to the base host)."""
    if host_unit(request) is not None:
        return redirect("ws:home")
    access = policy.console_access(request.user)
    if access.allows(Op.CONSOLE_VIEW):
        return redirect("console:home")
    if access.allows(Op.KEY_EVALUATION_SCORE):
        try:
            return redirect(reverse("console:my-assignments"))
        except NoReverseMatch:
            pass
    return redirect("web-places")


@console_page(Op.CONSOLE_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/console/home/home.html")
