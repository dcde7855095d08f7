"""指标库与模板: the provincial templates (list, versions, the draft's editor, two versions side
by side, publish), pushes to a scope with their live progress and retries, the conflict inbox
and the drift report. ``Op.TEMPLATE_MANAGE`` (the province) throughout. Thin: parse with a
form, one service or selector, render or redirect."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from backend.accounts.policy import Op
from backend.benchmarking import peers
from backend.console import templates as selectors
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.documents.services import SHEET_TYPES, read_upload
from backend.indicators import selectors as indicator_selectors
from backend.indicators.errors import IndicatorErrorCode
from backend.indicators.models import (
    PushStatus,
    Scope,
    Template,
    TemplateIndicator,
    TemplateVersion,
    VersionStatus,
)
from backend.indicators.services import authoring, push, xlsx
from backend.library import services as library_services
from backend.reports.exports import XLSX_TYPE
from backend.web.access import console_page, signed_in_user
from backend.web.console.templates.forms import (
    ChangelogForm,
    IndicatorForm,
    PushForm,
    SearchForm,
    SheetApplyForm,
    SheetImportForm,
    TemplateForm,
    indicator_initial,
)
from backend.web.forms import add_problems, run_service
from backend.web.requests import ConsoleRequest

PER_PAGE = 25
OP = Op.TEMPLATE_MANAGE


# --- helpers ------------------------------------------------------------------------------------


def _paths(request: ConsoleRequest) -> list[str]:
    return request.console_access.paths(OP)


def _template(code: str) -> Template:
    template = indicator_selectors.template_by_code(code)
    if template is None:
        raise Http404("没有该模板。")
    return template


def _version(version_id: int) -> TemplateVersion:
    version = indicator_selectors.version_with_indicators(version_id)
    if version is None:
        raise Http404("没有该模板版本。")
    return version


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


# --- the template list --------------------------------------------------------------------------


@console_page(OP)
def index(request: ConsoleRequest) -> HttpResponse:
    search = SearchForm(request.GET or None)
    q = search.cleaned_data["q"].strip() if search.is_valid() else ""
    page = _page(request, selectors.template_rows(search=q))
    return render(
        request,
        "web/console/templates/index.html",
        {"page": page, "search": search, "q": q, "form": TemplateForm()},
    )


@console_page(OP)
@require_POST
def create(request: ConsoleRequest) -> HttpResponse:
    form = TemplateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        template = run_service(
            form,
            lambda: authoring.create_template(
                code=data["code"],
                name=data["name"],
                project_kind=data["project_kind"],
                description=data["description"],
                layout=data["layout"],
                scope=data["scope"] or Scope.PROJECT,
                execution_weight=data["execution_weight"],
                user=signed_in_user(request),
            ),
        )
        if template is not None:
            messages.success(request, f"已创建模板“{template.name}”，请在草稿中添加指标。")
            return redirect("console:template-detail", template.code)
    page = _page(request, selectors.template_rows())
    return render(
        request,
        "web/console/templates/index.html",
        {"page": page, "search": SearchForm(), "q": "", "form": form, "open_create": True},
        status=422,
    )


# --- one template: its versions and pushes ------------------------------------------------------


@console_page(OP)
def detail(request: ConsoleRequest, code: str) -> HttpResponse:
    template = _template(code)
    versions = list(indicator_selectors.versions_of(template).select_related("published_by"))
    pushes = _page(request, indicator_selectors.pushes().filter(version__template=template))
    return render(
        request,
        "web/console/templates/detail.html",
        {
            "template": template,
            "versions": versions,
            "draft": next((v for v in versions if v.status == VersionStatus.DRAFT), None),
            "published": [v for v in versions if v.status != VersionStatus.DRAFT],
            "page": pushes,
        },
    )


@console_page(OP)
@require_POST
def new_draft(request: ConsoleRequest, code: str) -> HttpResponse:
    template = _template(code)
    try:
        version = authoring.draft_version(template, user=signed_in_user(request))
    except DomainError as error:
        for problem in error.problems:
            messages.error(request, problem.message)
        return redirect("console:template-detail", template.code)
    messages.success(request, f"已创建第 {version.number} 版草稿（复制自上一版）。")
    return redirect("console:template-version", version.pk)


# --- a version: read, or edit a draft -----------------------------------------------------------


def _version_page(
    request: HttpRequest,
    version: TemplateVersion,
    *,
    forms: dict[int, IndicatorForm] | None = None,
    new: IndicatorForm | None = None,
    publish: ChangelogForm | None = None,
    publish_problems: list[Problem] | None = None,
    status: int = 200,
) -> HttpResponse:
    indicators = list(version.indicators.all())
    editable = version.status == VersionStatus.DRAFT
    forms = forms or {}
    rows = [
        (
            indicator,
            forms.get(indicator.pk)
            or (
                IndicatorForm(
                    initial=indicator_initial(indicator),
                    prefix=f"i{indicator.pk}",
                    layout=version.template.layout,
                )
                if editable
                else None
            ),
        )
        for indicator in indicators
    ]
    # What a refused edit of a version that is not a draft says (no form is shown there).
    refusals = [
        str(error)
        for form in [*forms.values(), *([new] if new is not None else [])]
        for error in form.non_field_errors()
    ]
    totals: dict[str, Any] = {}
    for indicator in indicators:
        totals[indicator.level1] = totals.get(indicator.level1, 0) + indicator.weight
    return render(
        request,
        "web/console/templates/version.html",
        {
            "version": version,
            "template": version.template,
            "here": f"第 {version.number} 版",
            "rows": rows,
            "editable": editable,
            "new": new or IndicatorForm(prefix="new", layout=version.template.layout),
            "publish": publish or ChangelogForm(initial={"changelog": version.changelog}),
            "publish_problems": publish_problems or [],
            "refusals": [] if editable else refusals,
            "totals": totals,
            "others": list(
                TemplateVersion.objects.filter(template=version.template)
                .exclude(pk=version.pk)
                .order_by("-number")
                .values_list("pk", "number")
            ),
        },
        status=status,
    )


@console_page(OP)
def version(request: ConsoleRequest, version_id: int) -> HttpResponse:
    return _version_page(request, _version(version_id))


@console_page(OP)
@require_POST
def indicator_add(request: ConsoleRequest, version_id: int) -> HttpResponse:
    version = _version(version_id)
    form = IndicatorForm(request.POST, prefix="new", layout=version.template.layout)
    if form.is_valid():
        indicator = run_service(
            form, lambda: authoring.add_indicator(version, form.data_for_service())
        )
        if indicator is not None:
            messages.success(request, f"已添加指标“{indicator.name}”。")
            return redirect(reverse("console:template-version", args=[version.pk]) + "#indicators")
    return _version_page(request, version, new=form, status=422)


def _indicator(version: TemplateVersion, indicator_id: int) -> TemplateIndicator:
    for indicator in version.indicators.all():
        if indicator.pk == indicator_id:
            return indicator
    raise Http404("该版本没有这个指标。")


@console_page(OP)
@require_POST
def indicator_update(request: ConsoleRequest, version_id: int, indicator_id: int) -> HttpResponse:
    version = _version(version_id)
    indicator = _indicator(version, indicator_id)
    form = IndicatorForm(request.POST, prefix=f"i{indicator.pk}", layout=version.template.layout)
    if form.is_valid():
        saved = run_service(
            form, lambda: authoring.update_indicator(indicator, form.data_for_service())
        )
        if saved is not None:
            messages.success(request, f"已保存指标“{saved.name}”。")
            return redirect(
                reverse("console:template-version", args=[version.pk]) + f"#ind-{saved.pk}"
            )
    return _version_page(request, version, forms={indicator.pk: form}, status=422)


@console_page(OP)
@require_POST
def indicator_remove(request: ConsoleRequest, version_id: int, indicator_id: int) -> HttpResponse:
    version = _version(version_id)
    indicator = _indicator(version, indicator_id)
    try:
        authoring.remove_indicator(indicator)
    except DomainError as error:
        for problem in error.problems:
            messages.error(request, problem.message)
    else:
        messages.success(request, f"已删除指标“{indicator.name}”。")
    return redirect(reverse("console:template-version", args=[version.pk]) + "#indicators")


@console_page(OP)
@require_POST
def publish(request: ConsoleRequest, version_id: int) -> HttpResponse:
    version = _version(version_id)
    form = ChangelogForm(request.POST)
    problems: list[Problem] = []
    if form.is_valid():
        try:
            published = authoring.publish_version(
                version, user=signed_in_user(request), changelog=form.cleaned_data["changelog"]
            )
        except DomainError as error:
            # The version's problems stay on top, by indicator; the changelog's goes next to
            # its field.
            problems = [p for p in error.problems if p.field != "changelog"]
            own = [p for p in error.problems if p.field == "changelog"]
            if own:
                add_problems(form, DomainError(*own))
        else:
            messages.success(request, f"已发布第 {published.number} 版，可以推送到各单位。")
            return redirect("console:template-version", published.pk)
    return _version_page(
        request, _version(version_id), publish=form, publish_problems=problems, status=422
    )


# --- a version's lifecycle: discard a draft, retire a published version, its sheet ------------


def _refused(request: HttpRequest, error: DomainError) -> None:
    for problem in error.problems:
        messages.error(request, problem.message)


@console_page(OP)
@require_POST
def discard(request: ConsoleRequest, version_id: int) -> HttpResponse:
    """删除草稿 (``authoring.discard_draft``): a published or retired version is kept."""
    version = _version(version_id)
    try:
        authoring.discard_draft(version)
    except DomainError as error:
        _refused(request, error)
        return redirect("console:template-version", version.pk)
    messages.success(request, f"已删除第 {version.number} 版草稿。")
    return redirect("console:template-detail", version.template.code)


@console_page(OP)
@require_POST
def retire(request: ConsoleRequest, version_id: int) -> HttpResponse:
    """停用 (``authoring.retire_version``, as ``retireTemplateVersion``): no longer offered;
    the units running it keep it."""
    version = _version(version_id)
    try:
        authoring.retire_version(version, user=signed_in_user(request))
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, f"已停用第 {version.number} 版，不再推送；已采用的单位不受影响。")
    return redirect("console:template-version", version.pk)


@console_page(OP)
def version_export(request: ConsoleRequest, version_id: int) -> HttpResponse:
    """下载 Excel: the version as the indicator-library sheet (``xlsx.export_version``), the
    file an import reads back."""
    version = _version(version_id)
    response = HttpResponse(xlsx.export_version(version), content_type=XLSX_TYPE)
    name = f"指标库-{version.template.code}-第{version.number}版.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


IMPORT_KEY = "template-import:{pk}"


def _import_page(
    request: HttpRequest,
    template: Template,
    form: SheetImportForm,
    preview: xlsx.ImportPreview | None = None,
) -> HttpResponse:
    return render(
        request,
        "web/console/templates/import.html",
        {
            "template": template,
            "here": "导入指标库",
            "form": form,
            "preview": preview,
            "apply_form": SheetApplyForm(initial={"digest": preview.digest}) if preview else None,
            "draft": indicator_selectors.draft_of(template),
        },
        status=200 if request.method == "GET" or (preview is not None and preview.ok) else 422,
    )


@console_page(OP)
def sheet_import(request: ConsoleRequest, code: str) -> HttpResponse:
    """导入指标库, step 1: the sheet is checked row by row by the import service's own checks
    (``xlsx.preview_version``); nothing is written. A clean sheet is kept in the session until
    it is confirmed."""
    template = _template(code)
    if request.method != "POST":
        return _import_page(request, template, SheetImportForm())
    form = SheetImportForm(request.POST, request.FILES)
    preview = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        changelog = form.cleaned_data["changelog"]
        preview = run_service(
            form,
            lambda: xlsx.preview_version(
                template,
                read_upload(upload.name or "", upload, allowed=SHEET_TYPES, field="file"),
                changelog=changelog,
            ),
            fields={"template": "file"},
        )
        if preview is not None and preview.ok:
            upload.seek(0)
            request.session[IMPORT_KEY.format(pk=template.pk)] = {
                "digest": preview.digest,
                "content": base64.b64encode(upload.read()).decode(),
                "changelog": changelog,
            }
    return _import_page(request, template, form, preview)


@console_page(OP)
@require_POST
def sheet_import_apply(request: ConsoleRequest, code: str) -> HttpResponse:
    """导入指标库, step 2: the confirmed sheet becomes a new draft (``xlsx.import_version``,
    the service of ``importTemplateVersion``), only if it is the file that was checked."""
    template = _template(code)
    form = SheetApplyForm(request.POST)
    stash = request.session.get(IMPORT_KEY.format(pk=template.pk))
    if not form.is_valid() or not stash or stash["digest"] != form.cleaned_data["digest"]:
        messages.error(request, "没有待导入的指标库（可能已导入或已过期），请重新上传。")
        return redirect("console:template-import", template.code)
    content = base64.b64decode(stash["content"])
    try:
        version = xlsx.import_version(
            template, content, user=signed_in_user(request), changelog=stash["changelog"]
        )
    except DomainError as error:
        _refused(request, error)
        return redirect("console:template-import", template.code)
    del request.session[IMPORT_KEY.format(pk=template.pk)]
    count = version.indicators.count()
    messages.success(
        request, f"已按上传的指标库创建第 {version.number} 版草稿，共 {count} 个指标。"
    )
    return redirect("console:template-version", version.pk)


# --- two versions side by side ------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@console_page(OP)
def diff(request: ConsoleRequest, code: str) -> HttpResponse:
    template = _template(code)
    versions = list(
        TemplateVersion.objects.filter(template=template)
        .order_by("-number")
        .values_list("pk", "number", "status")
    )
    numbers = {number: pk for pk, number, _ in versions}
    right_number = _int(request.GET.get("b")) or (versions[0][1] if versions else None)
    left_number = _int(request.GET.get("a"))
    if left_number is None and right_number is not None:
        earlier = [n for _, n, _ in versions if n < right_number]
        left_number = earlier[0] if earlier else right_number
    error = ""
    comparison = None
    if left_number not in numbers or right_number not in numbers:
        error = "请选择该模板已有的两个版本。"
    else:
        left = _version(numbers[left_number])
        right = _version(numbers[right_number])
        comparison = selectors.compare(left, right)
    return render(
        request,
        "web/console/templates/diff.html",
        {
            "template": template,
            "versions": versions,
            "a": left_number,
            "b": right_number,
            "error": error,
            "diff": comparison,
        },
        status=200 if comparison else 422 if request.GET else 200,
    )


# --- pushes -------------------------------------------------------------------------------------


def _push_form(request: ConsoleRequest, data: Any = None) -> PushForm:
    paths = _paths(request)
    cities = [(u.code, u.name) for u in selectors.cities(paths)]
    provinces = request.console_access.units_for(OP)
    groups: list[tuple[str, str]] = []
    for province in provinces:
        groups += [(g.code, g.name) for g in peers.peer_groups(province)]
    return PushForm(data, cities=cities, peer_groups=groups)


def _spec(request: ConsoleRequest, form: PushForm) -> push.TargetSpec:
    kind = form.cleaned_data["kind"]
    if kind == "all":
        return push.TargetSpec(kind="all")
    if kind == "city":
        city = form.cleaned_data.get("city")
        if not city:
            raise DomainError.single(CoreErrorCode.REQUIRED, "请选择市院。", "city")
        return push.TargetSpec(kind="subtree", under=city, include_root=True)
    if kind == "peer":
        code = form.cleaned_data.get("peer_group")
        group = None
        for province in request.console_access.units_for(OP):
            group = group or peers.peer_group(province, code or "")
        if group is None:
            raise DomainError.single(CoreErrorCode.REQUIRED, "请选择对标组。", "peer_group")
        members = list(
            peers.members(group, timezone.localdate().year)
            .filter(active=True)
            .values_list("code", flat=True)
        )
        if not members:
            raise DomainError.single(
                IndicatorErrorCode.NO_TARGETS, "该对标组没有成员单位。", "peer_group"
            )
        return push.TargetSpec(kind="codes", codes=tuple(members))
    return push.TargetSpec(kind="codes", codes=tuple(form.code_list()))


@console_page(OP)
def push_new(request: ConsoleRequest, version_id: int) -> HttpResponse:
    version = _version(version_id)
    form = _push_form(request, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            created = run_service(
                form,
                lambda: push.push_version(version, _spec(request, form), user=request.user),
                fields={"under": "city", "targets": "", "version": ""},
            )
            if created is not None:
                messages.success(request, f"已开始推送第 {version.number} 版。")
                return redirect("console:template-push", created.pk)
    return render(
        request,
        "web/console/templates/push_new.html",
        {"version": version, "template": version.template, "form": form},
        status=status,
    )


def _push(push_id: int) -> Any:
    found = selectors.push_with_version(push_id)
    if found is None:
        raise Http404("没有该推送。")
    return found


@console_page(OP)
def push_detail(request: ConsoleRequest, push_id: int) -> HttpResponse:
    progress = selectors.push_progress(_push(push_id))
    name = "_progress.html" if request.htmx else "push.html"
    return render(
        request,
        f"web/console/templates/{name}",
        {"progress": progress, "push": progress.push, "template": progress.push.version.template},
    )


@console_page(OP)
@require_POST
def push_retry(request: ConsoleRequest, push_id: int, target_id: int) -> HttpResponse:
    target = selectors.target_of(push_id, target_id)
    if target is None:
        raise Http404("没有该推送对象。")
    try:
        push.retry_target(target)
    except DomainError as error:
        for problem in error.problems:
            messages.error(request, problem.message)
    else:
        messages.success(request, f"已重新推送到{target.unit.name}。")
    return redirect("console:template-push", push_id)


@console_page(OP)
@require_POST
def push_rerun(request: ConsoleRequest, push_id: int) -> HttpResponse:
    found = _push(push_id)
    queued = push.rerun_push(found)
    messages.success(
        request, f"已重新排队 {queued} 个单位。" if queued else "没有需要重新推送的单位。"
    )
    return redirect("console:template-push", push_id)


# --- the conflict inbox -------------------------------------------------------------------------


@console_page(OP)
def conflicts(request: ConsoleRequest) -> HttpResponse:
    template = (request.GET.get("template") or "").strip()
    sort = request.GET.get("sort", "unit")
    page = _page(request, selectors.conflict_inbox(_paths(request), template=template, sort=sort))
    return render(
        request,
        "web/console/templates/conflicts.html",
        {
            "page": page,
            "template_code": template,
            "templates": Template.objects.order_by("code"),
            "sort": sort,
        },
    )


def _unit(request: ConsoleRequest, code: str) -> Any:
    unit = selectors.unit_in_scope(_paths(request), code)
    if unit is None:
        raise Http404("没有该单位。")
    return unit


@console_page(OP)
def unit_conflicts(request: ConsoleRequest, code: str) -> HttpResponse:
    unit = _unit(request, code)
    return render(
        request,
        "web/console/templates/unit_conflicts.html",
        {"unit": unit, "rows": selectors.unit_conflicts(unit)},
    )


@console_page(OP)
@require_POST
def resolve(request: ConsoleRequest, code: str, conflict_id: int) -> HttpResponse:
    unit = _unit(request, code)
    conflict = selectors.conflict_in(unit, conflict_id)
    if conflict is None:
        raise Http404("没有该冲突。")
    choice = request.POST.get("choice", "")
    try:
        with schema_context(unit.schema_name), transaction.atomic():
            library_services.resolve_conflict(conflict, choice=choice, user=request.user)
    except DomainError as error:
        for problem in error.problems:
            messages.error(request, problem.message)
    else:
        taken = "采用省院值" if choice == "upstream" else "保留本院值"
        messages.success(request, f"已处理冲突：{taken}。")
    return redirect("console:template-unit-conflicts", unit.code)


# --- the drift report ---------------------------------------------------------------------------


@console_page(OP)
def drift(request: ConsoleRequest, code: str) -> HttpResponse:
    template = _template(code)
    state = request.GET.get("state", "")
    if state not in ("", *selectors.DRIFT_LABELS):
        state = ""
    sort = request.GET.get("sort", "unit")
    report = selectors.drift(template, _paths(request), state=state, sort=sort)
    page = _page(request, report.units)
    latest = report.latest.number if report.latest else None
    rows = [(unit, selectors.state_of(unit.running, latest)) for unit in page.object_list]
    return render(
        request,
        "web/console/templates/drift.html",
        {
            "template": template,
            "report": report,
            "page": page,
            "rows": rows,
            "state": state,
            "sort": sort,
            "labels": selectors.DRIFT_LABELS,
            "failed_status": PushStatus.FAILED,
        },
    )
