"""Signing in and out, changing one's password, choosing where to work. The same users, the
same password checks (and the same throttling) as the API's ``login``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from backend.accounts import throttle
from backend.web.access import anyone, signed_in


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
        self.fields["username"].widget.attrs["autofocus"] = True

    def get_invalid_login_error(self) -> ValidationError:
        # Past the login throttling's limits the password was not even checked: say so.
        if self.request is not None and throttle.is_locked_out(self.request):
            return ValidationError(
                throttle.locked_message(self.request, {"username": self.data.get("username")}),
                code=throttle.TOO_MANY_ATTEMPTS,
            )
        return super().get_invalid_login_error()


class PasswordForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


login = anyone(
    auth_views.LoginView.as_view(
        template_name="web/accounts/login.html",
        authentication_form=LoginForm,
        redirect_authenticated_user=True,
    )
)

logout = anyone(auth_views.LogoutView.as_view(next_page=reverse_lazy("web-login")))

password_change = signed_in(
    auth_views.PasswordChangeView.as_view(
        template_name="web/accounts/password_change.html",
        form_class=PasswordForm,
        success_url=reverse_lazy("web-password-done"),
    )
)


@signed_in
def password_done(request: HttpRequest) -> HttpResponse:
    return render(request, "web/accounts/password_done.html")


@signed_in
def places(request: HttpRequest) -> HttpResponse:
    """Where the user can work: the units where it holds a role, and the console."""
    return render(request, "web/accounts/places.html")
