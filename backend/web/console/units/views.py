"""单位与用户 (``Op.UNIT_MANAGE``): the unit tree with search, a new unit provisioned in the
background with its progress, units imported from CSV/XLSX (a dry run, then the import), users
and their roles. Writes go through ``tenants.services`` / ``tenants.tasks`` and
``backend.accounts.services``; reads through ``backend.console.units``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backend.accounts import services as accounts
from backend.accounts.models import Role, User
from backend.accounts.policy import Op
from backend.console import units as selectors
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.web.access import console_page, signed_in_user
from backend.web.console.units import tasks
from backend.web.console.units.forms import (
    ActiveForm,
    AnonymiseForm,
    ApplyImportForm,
    GrantAtUnitForm,
    GrantToUserForm,
    ImportForm,
    PasswordForm,
    UnitForm,
    UnitSearchForm,
    UserForm,
    UserSearchForm,
)
from backend.web.forms import run_service
from backend.web.hosts import unit_url
from backend.web.requests import ConsoleRequest
from tenants import services as provisioning
from tenants.models import Procuratorate, UnitLevel
from tenants.services import UnitSpec

PER_PAGE = 25
IMPORT_KEY = "console_unit_import"


def _roots(request: ConsoleRequest) -> list[Procuratorate]:
    return request.console_access.units_for(Op.UNIT_MANAGE)


def _unit(request: ConsoleRequest, code: str) -> Procuratorate:
    found = selectors.unit(_roots(request), code)
    if found is None:
        raise Http404("没有这个单位，或不在您的管辖范围内。")
    return found


def _user(request: ConsoleRequest, pk: int) -> User:
    found = selectors.user(_roots(request), pk)
    if found is None:
        raise Http404("没有这个用户，或不在您的管辖范围内。")
    return found


# --- the unit tree -------------------------------------------------------------------------------


@console_page(Op.UNIT_MANAGE)
def units(request: ConsoleRequest) -> HttpResponse:
    """The tree one level at a time (``?parent=<code>``), or the units matching ``?q=``."""
    roots = _roots(request)
    form = UnitSearchForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    text = data.get("q") or ""
    parent = None
    trail: list[Procuratorate] = []
    if text:
        rows = selectors.search(roots, text)
    else:
        code = data.get("parent") or ""
        if code:
            parent = _unit(request, code)
            trail = [
                u
                for u in selectors.ancestors(parent)
                if any(u.path.startswith(r.path) for r in roots)
            ]
        rows = selectors.children(roots, parent)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/console/units/tree.html",
        {"form": form, "text": text, "parent": parent, "trail": trail, "page": page},
    )


@console_page(Op.UNIT_MANAGE)
def unit_detail(request: ConsoleRequest, code: str) -> HttpResponse:
    return _unit_page(request, _unit(request, code))


def _unit_page(
    request: ConsoleRequest, unit: Procuratorate, grant_form: GrantAtUnitForm | None = None
) -> HttpResponse:
    roots = _roots(request)
    trail = [u for u in selectors.ancestors(unit) if any(u.path.startswith(r.path) for r in roots)]
    return render(
        request,
        "web/console/units/unit.html",
        {
            "unit": unit,
            "trail": trail,
            "memberships": selectors.memberships_at(unit),
            "grant_form": grant_form or GrantAtUnitForm(),
            "host": unit_url(request, unit.code),
            "children": selectors.children(roots, unit).count() if unit.level != "county" else 0,
        },
        status=200 if grant_form is None or not grant_form.errors else 400,
    )


@console_page(Op.UNIT_MANAGE)
@require_POST
def unit_grant(request: ConsoleRequest, code: str) -> HttpResponse:
    unit = _unit(request, code)
    form = GrantAtUnitForm(request.POST)
    if form.is_valid():
        user = User.objects.filter(username__iexact=form.cleaned_data["username"]).first()
        if user is None:
            form.add_error("username", "没有这个用户名的用户，请先创建用户。")
        else:
            role = form.cleaned_data["role"]
            done = run_service(
                form, lambda: accounts.grant_role(user, unit, role, by=signed_in_user(request))
            )
            if done is not None:
                messages.success(
                    request, f"已授予 {user.username}“{Role(role).label}”角色（{unit.name}）。"
                )
                return redirect("console:unit-detail", code=unit.code)
    return _unit_page(request, unit, form)


# --- a new unit, its provisioning ----------------------------------------------------------------


@console_page(Op.UNIT_MANAGE)
def unit_create(request: ConsoleRequest) -> HttpResponse:
    """新建单位: checked at once (problems beside the fields, nothing written), then the schema is
    provisioned in the background and the page follows its progress."""
    roots = _roots(request)
    initial: dict[str, Any] = {}
    under = request.GET.get("parent")
    if under:
        parent = selectors.unit(roots, under)
        if parent is not None:
            initial["parent_code"] = parent.code
            initial["level"] = (
                UnitLevel.CITY if parent.level == UnitLevel.PROVINCE else UnitLevel.COUNTY
            )
    form = UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        spec = UnitSpec(
            code=data["code"],
            name=data["name"],
            level=data["level"],
            parent_code=data["parent_code"] or None,
            region=data["region"],
        )
        checked = run_service(form, lambda: _check_new_unit(request, spec))
        if checked is not None:
            run_id = tasks.start(request, [(1, spec)], kind="create")
            return redirect("console:unit-run", run_id=run_id)
    return render(
        request,
        "web/console/units/create.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _check_new_unit(request: ConsoleRequest, spec: UnitSpec) -> bool:
    """The provisioning's own checks, and the manager's reach over the new unit's parent."""
    provisioning.check_unit(spec)
    roots = _roots(request)
    parent = selectors.unit(roots, spec.parent_code) if spec.parent_code else None
    if parent is None:
        raise DomainError.single(
            CoreErrorCode.OUT_OF_REACH,
            "新单位须隶属于您管辖范围内的单位。",
            "parent_code",
        )
    return True


@console_page(Op.UNIT_MANAGE)
def unit_run(request: ConsoleRequest, run_id: str) -> HttpResponse:
    """The progress of a run this session started; an htmx request gets the partial alone (it
    polls every second until the run is done)."""
    run = tasks.run_of(request, run_id)
    if run is None:
        raise Http404("没有这个创建任务。")
    progress = tasks.progress(run)
    created: list[Procuratorate] = []
    if progress.state == "done" and progress.created:
        created = list(
            Procuratorate.objects.filter(code__in=progress.created[:50]).order_by("path")
        )
    context = {"run": run, "progress": progress, "created": created}
    if request.htmx:
        return render(request, "web/console/units/_progress.html", context)
    return render(request, "web/console/units/run.html", context)


# --- import --------------------------------------------------------------------------------------


def _digest(rows: list[list[Any]]) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


@console_page(Op.UNIT_MANAGE)
def unit_import(request: ConsoleRequest) -> HttpResponse:
    """导入单位: the upload is read and checked row by row (a dry run); nothing is written until
    the user confirms the rows to create."""
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        rows = run_service(form, lambda: provisioning.read_units_upload(content, upload.name or ""))
        if rows is not None:
            checks = _reach_checked(request, provisioning.preview_units(rows))
            stash = [[c.line, asdict(c.spec)] for c in checks if c.action == "create"]
            digest = _digest(stash)
            request.session[IMPORT_KEY] = {"digest": digest, "rows": stash}
            context.update(
                {
                    "checks": checks,
                    "file_name": upload.name,
                    "to_create": len(stash),
                    "to_skip": sum(1 for c in checks if c.action == "skip"),
                    "with_errors": sum(1 for c in checks if c.action == "error"),
                    "apply_form": ApplyImportForm(initial={"digest": digest}),
                }
            )
    return render(
        request,
        "web/console/units/import.html",
        context,
        status=400 if form.errors else 200,
    )


def _reach_checked(
    request: ConsoleRequest, checks: list[provisioning.RowCheck]
) -> list[provisioning.RowCheck]:
    """A row to create must hang under the manager's subtree (or under a row of the file that
    does): a province admin provisions within its province."""
    roots = _roots(request)
    known = {
        code
        for code in Procuratorate.objects.filter(selectors.unit_condition(roots)).values_list(
            "code", flat=True
        )
    }
    out: list[provisioning.RowCheck] = []
    for check in checks:
        if check.action == "create":
            if not check.spec.parent_code or check.spec.parent_code not in known:
                problem = Problem(
                    CoreErrorCode.OUT_OF_REACH, "新单位须隶属于您管辖范围内的单位。", "parent_code"
                )
                out.append(provisioning.RowCheck(check.line, check.spec, "error", (problem,)))
                continue
            known.add(check.spec.code)
        out.append(check)
    return out


@console_page(Op.UNIT_MANAGE)
@require_POST
def unit_import_apply(request: ConsoleRequest) -> HttpResponse:
    form = ApplyImportForm(request.POST)
    stash = request.session.get(IMPORT_KEY)
    if not form.is_valid() or not stash or stash["digest"] != form.cleaned_data["digest"]:
        messages.error(request, "没有待导入的单位表（可能已导入或已过期），请重新上传。")
        return redirect("console:unit-import")
    rows = [(int(line), UnitSpec(**spec)) for line, spec in stash["rows"]]
    del request.session[IMPORT_KEY]
    if not rows:
        messages.info(request, "单位表中没有需要创建的单位。")
        return redirect("console:units")
    run_id = tasks.start(request, rows, kind="import")
    return redirect("console:unit-run", run_id=run_id)


# --- users ---------------------------------------------------------------------------------------


@console_page(Op.UNIT_MANAGE)
def unit_users(request: ConsoleRequest) -> HttpResponse:
    form = UserSearchForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    rows = selectors.users(
        _roots(request), text=data.get("q") or "", status=data.get("status") or ""
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "web/console/units/users.html", {"form": form, "page": page})


@console_page(Op.UNIT_MANAGE)
def unit_user_create(request: ConsoleRequest) -> HttpResponse:
    roots = _roots(request)
    form = UserForm(request.POST or None, initial={"unit": request.GET.get("unit", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = None
        if data["unit"] or data["role"]:
            unit = selectors.unit_by_code_or_name(roots, data["unit"])
            if unit is None:
                form.add_error("unit", "没有这个单位，或不在您的管辖范围内（请填单位代码或全称）。")
            if not data["role"]:
                form.add_error("role", "请选择角色。")
        if not form.errors:

            def create() -> User:
                user = accounts.create_user(
                    username=data["username"],
                    full_name=data["full_name"],
                    password=data["password"],
                    email=data["email"],
                    by=signed_in_user(request),
                )
                if unit is not None:
                    accounts.grant_role(user, unit, data["role"], by=signed_in_user(request))
                return user

            user = run_service(form, create)
            if user is not None:
                messages.success(request, f"已创建用户 {user.username}。")
                return redirect("console:unit-user-detail", pk=user.pk)
    return render(
        request,
        "web/console/units/user_create.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@console_page(Op.UNIT_MANAGE)
def unit_user_detail(request: ConsoleRequest, pk: int) -> HttpResponse:
    return _user_page(request, _user(request, pk))


def _user_page(request: HttpRequest, user: User, **forms: Any) -> HttpResponse:
    failed = any(form.errors for form in forms.values())
    return render(
        request,
        "web/console/units/user.html",
        {
            "person": user,
            "grant_form": forms.get("grant_form") or GrantToUserForm(),
            "password_form": forms.get("password_form") or PasswordForm(),
            "anonymise_form": forms.get("anonymise_form") or AnonymiseForm(),
            "is_self": user.pk == request.user.pk,
            "anonymised": accounts.is_anonymised(user),
        },
        status=400 if failed else 200,
    )


@console_page(Op.UNIT_MANAGE)
@require_POST
def unit_user_grant(request: ConsoleRequest, pk: int) -> HttpResponse:
    user = _user(request, pk)
    form = GrantToUserForm(request.POST)
    if form.is_valid():
        unit = selectors.unit_by_code_or_name(_roots(request), form.cleaned_data["unit"])
        if unit is None:
            form.add_error("unit", "没有这个单位，或不在您的管辖范围内（请填单位代码或全称）。")
        else:
            role = form.cleaned_data["role"]
            done = run_service(
                form,
                lambda: accounts.grant_role(user, unit, role, by=signed_in_user(request)),
                fields={"user": "unit"},
            )
            if done is not None:
                messages.success(request, f"已授予“{Role(role).label}”角色（{unit.name}）。")
                return redirect("console:unit-user-detail", pk=user.pk)
    return _user_page(request, user, grant_form=form)


@console_page(Op.UNIT_MANAGE)
@require_POST
def unit_membership_revoke(request: ConsoleRequest, pk: int) -> HttpResponse:
    membership = selectors.membership(_roots(request), pk)
    if membership is None:
        raise Http404("没有这个角色，或不在您的管辖范围内。")
    back = request.POST.get("next") or ""
    try:
        accounts.revoke_role(membership, by=signed_in_user(request))
    except DomainError as error:
        messages.error(request, str(error.problems[0].message))
    else:
        messages.success(
            request,
            f"已撤销 {membership.user.username} 在{membership.unit.name}的"
            f"“{Role(membership.role).label}”角色。",
        )
    if back == "unit":
        return redirect("console:unit-detail", code=membership.unit.code)
    return redirect("console:unit-user-detail", pk=membership.user_id)


@console_page(Op.UNIT_MANAGE)
@require_POST
def unit_user_password(request: ConsoleRequest, pk: int) -> HttpResponse:
    user = _user(request, pk)
    form = PasswordForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: accounts.reset_password(
                user, form.cleaned_data["password"], by=signed_in_user(request)
            ),
        )
        if done is not None:
            messages.success(request, f"已重置 {user.username} 的密码，请告知本人登录后自行修改。")
            return redirect("console:unit-user-detail", pk=user.pk)
    return _user_page(request, user, password_form=form)


@console_page(Op.UNIT_MANAGE)
@require_POST
def unit_user_active(request: ConsoleRequest, pk: int) -> HttpResponse:
    user = _user(request, pk)
    form = ActiveForm(request.POST)
    form.is_valid()
    active = bool(form.cleaned_data.get("active")) if hasattr(form, "cleaned_data") else False
    try:
        accounts.set_active(user, active, by=signed_in_user(request))
    except DomainError as error:
        messages.error(request, error.problems[0].message)
    else:
        messages.success(request, f"已{'启用' if active else '停用'}用户 {user.username}。")
    return redirect("console:unit-user-detail", pk=user.pk)


@console_page(Op.UNIT_MANAGE)
@require_POST
def unit_user_anonymise(request: ConsoleRequest, pk: int) -> HttpResponse:
    """匿名化 (``accounts.anonymise_user``): name and contacts erased, roles and tokens removed,
    no usable password; the row stays so every unit's history reads “原用户”. The username typed
    again confirms it."""
    user = _user(request, pk)
    form = AnonymiseForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["confirm"].strip() != user.username:
            form.add_error("confirm", f"请输入该用户的用户名“{user.username}”以确认匿名化。")
        else:
            username = user.username
            done = run_service(
                form, lambda: accounts.anonymise_user(user, by=signed_in_user(request))
            )
            if done is not None:
                messages.success(
                    request, f"已匿名化用户 {username}：姓名和联系方式已清除，角色和令牌已撤销。"
                )
                return redirect("console:unit-users")
    return _user_page(request, user, anonymise_form=form)
