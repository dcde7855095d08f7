"""绩效目标申报表: the unit's goals, a goal's declaration form (project facts and budget, the
goal texts, the indicators grouped by level with last year's actuals and the warnings), the
library picker, the print preview, XLSX download and upload (a dry run first), submission,
withdrawal and adjustment requests. Thin: parse, one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backend.accounts.policy import Op
from backend.budgets.models import Project
from backend.core.errors import DomainError, Problem
from backend.goals import selectors
from backend.goals.models import (
    AdjustmentRequest,
    AdjustmentStatus,
    Decision,
    GoalIndicator,
    GoalStatus,
    PerformanceGoal,
)
from backend.goals.services import checks, drafting, edit_policy, workflow, xlsx
from backend.indicators.models import Scope
from backend.library import selectors as library_selectors
from backend.library.models import LibraryIndicator
from backend.web import imports
from backend.web.access import unit_page
from backend.web.forms import run_service
from backend.web.imports import ApplyImportForm
from backend.web.requests import UnitRequest
from backend.web.workspace.goals import formats, sheet
from backend.web.workspace.goals.forms import (
    AdjustmentForm,
    GoalCreateForm,
    GoalTextForm,
    IndicatorForm,
    NewIndicatorForm,
    PickerForm,
    UploadForm,
)

PER_PAGE = 25
STASH_KEY = "goal-import-{pk}"
OPEN_ADJUSTMENT = (
    AdjustmentStatus.DRAFT,
    AdjustmentStatus.SUBMITTED,
    AdjustmentStatus.UNIT_APPROVED,
    AdjustmentStatus.RETURNED,
)


# --- helpers ------------------------------------------------------------------------------------


def _goal(goal_id: int) -> PerformanceGoal:
    try:
        return selectors.goal_page(goal_id)
    except PerformanceGoal.DoesNotExist as exc:
        raise Http404("没有该绩效目标。") from exc


def _indicator(goal: PerformanceGoal, indicator_id: int) -> GoalIndicator:
    for indicator in goal.indicators.all():
        if indicator.pk == indicator_id:
            return indicator
    raise Http404("该绩效目标没有这个指标。")


def _detail_url(goal: PerformanceGoal, anchor: str = "") -> str:
    url = reverse("ws:goal-detail", args=[goal.pk])
    return f"{url}#{anchor}" if anchor else url


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _attempt(request: HttpRequest, call: Callable[[], Any]) -> bool:
    """Run one service call in one transaction; its problems become error messages. Whether
    it succeeded."""
    try:
        with transaction.atomic():
            call()
    except DomainError as error:
        for problem in error.problems:
            messages.error(request, problem.message)
        return False
    return True


def _last_review(goal: PerformanceGoal) -> Any:
    """The latest decision on the goal itself (not on an adjustment request)."""
    reviews = [r for r in goal.reviews.all() if r.adjustment_id is None]
    return reviews[-1] if reviews else None


def _rows(
    request: HttpRequest,
    goal: PerformanceGoal,
    *,
    editable: bool,
    forms: dict[int, IndicatorForm] | None = None,
    problems: Iterable[Problem] = (),
    saved: int | None = None,
) -> tuple[list[sheet.Level1], list[str], list[str]]:
    """The goal's indicator rows arranged by level, with last year's actuals, the warnings,
    the problems of a failed submission and the comments of a return."""
    indicators = list(goal.indicators.all())
    actuals = selectors.last_year_actuals(goal)
    warnings: dict[str, list[str]] = {}
    for warning in checks.last_year_warnings(goal, indicators):
        code = (warning.field or "").split(".")[1]
        warnings.setdefault(code, []).append(warning.message)
    by_code, table_errors, page_errors = sheet.problems_by_indicator(problems)
    comments: dict[int, list[str]] = {}
    last = _last_review(goal)
    if (
        last is not None
        and last.decision == Decision.RETURN
        and goal.status
        in (
            GoalStatus.RETURNED,
            GoalStatus.DRAFT,
        )
    ):
        for comment in last.comments.all():
            comments.setdefault(comment.indicator_id, []).append(comment.comment)
    rows = [
        sheet.Row(
            indicator=indicator,
            last_actual=actuals.get(indicator.code),
            warnings=warnings.get(indicator.code, []),
            errors=by_code.get(indicator.code, {}),
            comments=comments.get(indicator.pk, []),
            form=(forms or {}).get(indicator.pk)
            or (IndicatorForm(indicator=indicator) if editable else None),
            saved=indicator.pk == saved,
        )
        for indicator in indicators
    ]
    return sheet.arrange(rows), table_errors, page_errors


def annotate_history(goal: PerformanceGoal) -> tuple[list[Any], list[AdjustmentRequest]]:
    """The goal's reviews and adjustment requests with what their pages show: the comments
    by indicator name, what the reviewer saw, the changes in words."""
    indicators = list(goal.indicators.all())
    names_by_id = {i.pk: i.name for i in indicators}
    names = {i.code: i.name for i in indicators}
    reviews = list(goal.reviews.all())
    for review in reviews:
        review.comment_rows = [  # type: ignore[attr-defined]  # for the template
            (names_by_id.get(c.indicator_id, ""), c.comment) for c in review.comments.all()
        ]
        seen = review.snapshot or {}
        review.seen_rows = [  # type: ignore[attr-defined]  # for the template
            row.indicator
            for block in sheet.arrange(
                sheet.Row(indicator=item) for item in seen.get("indicators", [])
            )
            for row in block.rows
        ]
        review.adjustment_rows = formats.changes(  # type: ignore[attr-defined]  # for the template
            seen.get("changes", []), names
        )
    adjustments = list(goal.adjustments.all())
    for adjustment in adjustments:
        adjustment.rows = formats.changes(  # type: ignore[attr-defined]  # for the template
            adjustment.changes, names
        )
    return reviews, adjustments


def _version(request: HttpRequest) -> int | None:
    """The goal's version the page was drawn with (every form of the goal page sends it): a
    change made meanwhile by someone else is ``STALE`` instead of being overwritten."""
    return _int(request.POST.get("version"))


def _editable(request: UnitRequest, goal: PerformanceGoal) -> bool:
    return (
        request.unit_access.allows(Op.GOAL_PREPARE)
        and edit_policy.goal_refusal(edit_policy.Route.EDIT, goal.status) is None
    )


def _detail(
    request: UnitRequest,
    goal: PerformanceGoal,
    *,
    text_form: GoalTextForm | None = None,
    row_forms: dict[int, IndicatorForm] | None = None,
    new_form: NewIndicatorForm | None = None,
    upload_form: UploadForm | None = None,
    problems: Iterable[Problem] = (),
    import_errors: Iterable[str] = (),
) -> HttpResponse:
    problems = list(problems)
    can_prepare = request.unit_access.allows(Op.GOAL_PREPARE)
    can_submit = request.unit_access.allows(Op.GOAL_SUBMIT)
    editable = _editable(request, goal)
    blocks, table_errors, page_errors = _rows(
        request, goal, editable=editable, forms=row_forms, problems=problems
    )
    if not editable:  # the forms' cards are not shown: their errors go on top
        for form in (text_form, new_form, upload_form):
            page_errors += [str(error) for error in form.non_field_errors()] if form else []
    reviews, adjustments = annotate_history(goal)
    open_adjustment = next((a for a in adjustments if a.status in OPEN_ADJUSTMENT), None)
    last = _last_review(goal)
    context = {
        "goal": goal,
        "project": goal.project,
        "blocks": blocks,
        "totals": checks.weight_totals(list(goal.indicators.all())),
        "editable": editable,
        "can_prepare": can_prepare,
        "can_submit": can_submit and goal.status in workflow.SUBMITTABLE,
        "can_withdraw": can_submit and goal.status == GoalStatus.SUBMITTED,
        "can_adjust": can_submit
        and goal.status == GoalStatus.APPROVED
        and (open_adjustment is None or open_adjustment.status in workflow.SUBMITTABLE),
        "submit_failed": bool(problems),
        "table_errors": table_errors,
        "page_errors": page_errors,
        "returned": last if last is not None and last.decision == Decision.RETURN else None,
        "reviews": reviews,
        "adjustments": adjustments,
        "open_adjustment": open_adjustment,
        "text_form": text_form
        or GoalTextForm(
            initial={"overall_goal": goal.overall_goal, "midterm_goal": goal.midterm_goal}
        ),
        "new_form": new_form or NewIndicatorForm(),
        "new_open": new_form is not None,
        "upload_form": upload_form or UploadForm(),
        "import_errors": list(import_errors),
        "picker_form": PickerForm(),
    }
    return render(request, "web/workspace/goals/detail.html", context)


def _row_response(
    request: UnitRequest, goal_id: int, indicator_id: int, *, form: IndicatorForm | None = None
) -> HttpResponse:
    """The one row (htmx), with the weight totals swapped in beside it."""
    goal = _goal(goal_id)
    blocks, _, _ = _rows(
        request,
        goal,
        editable=_editable(request, goal),
        forms={indicator_id: form} if form is not None else None,
        saved=None if form is not None else indicator_id,
    )
    row = next(r for block in blocks for r in block.rows if r.indicator.pk == indicator_id)
    context = {
        "goal": goal,
        "row": row,
        "editable": _editable(request, goal),
        "totals": checks.weight_totals(list(goal.indicators.all())),
        "oob": True,
    }
    return render(request, "web/workspace/goals/_row_update.html", context)


# --- the list -----------------------------------------------------------------------------------


@unit_page()
def goal_list(request: UnitRequest) -> HttpResponse:
    year = _int(request.GET.get("year"))
    status = request.GET.get("status", "")
    if status not in GoalStatus.values:
        status = ""
    page = Paginator(selectors.goal_list(fiscal_year=year, status=status or None), PER_PAGE)
    can_prepare = request.unit_access.allows(Op.GOAL_PREPARE)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "years": selectors.years(),
        "year": year,
        "status": status,
        "statuses": GoalStatus.choices,
        "can_prepare": can_prepare,
        "missing": selectors.projects_without_goal(year).count() if can_prepare else 0,
    }
    return render(request, "web/workspace/goals/list.html", context)


@unit_page(Op.GOAL_PREPARE)
def goal_projects(request: UnitRequest) -> HttpResponse:
    """Projects that still have no goal for their year: where a new goal starts."""
    year = _int(request.GET.get("year"))
    page = Paginator(selectors.projects_without_goal(year), PER_PAGE)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "years": selectors.years(),
        "year": year,
    }
    return render(request, "web/workspace/goals/projects.html", context)


# --- creating a goal ----------------------------------------------------------------------------


def _templates() -> list[tuple[str, str]]:
    return [
        (a.template.code, f"{a.template.name}（第 {a.version.number} 版）")
        for a in library_selectors.adopted_templates()
        if a.template.scope == Scope.PROJECT
    ]


@unit_page(Op.GOAL_PREPARE)
def goal_create(request: UnitRequest, project_id: int) -> HttpResponse:
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise Http404("没有该项目。")
    existing = PerformanceGoal.objects.filter(
        project=project, fiscal_year=project.fiscal_year
    ).first()
    if existing is not None:
        messages.info(request, f"项目“{project.name}”已有 {project.fiscal_year} 年度的绩效目标。")
        return redirect(_detail_url(existing))
    form = GoalCreateForm(request.POST or None, templates=_templates())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        goal = run_service(
            form,
            lambda: drafting.create_goal(
                project,
                overall_goal=data["overall_goal"],
                midterm_goal=data["midterm_goal"],
                template_code=data["template_code"] or None,
                user=request.user,
            ),
        )
        if goal is not None:
            count = goal.indicators.count()
            note = f"，已加入模板的 {count} 个必选指标" if count else ""
            messages.success(request, f"已新建绩效目标{note}。")
            return redirect(_detail_url(goal))
    return render(request, "web/workspace/goals/create.html", {"project": project, "form": form})


# --- the form -----------------------------------------------------------------------------------


@unit_page()
def goal_detail(request: UnitRequest, goal_id: int) -> HttpResponse:
    return _detail(request, _goal(goal_id))


@unit_page(Op.GOAL_PREPARE)
@require_POST
def goal_update(request: UnitRequest, goal_id: int) -> HttpResponse:
    goal = _goal(goal_id)
    form = GoalTextForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: drafting.update_goal(
                goal, form.cleaned_data, user=request.user, expected_version=_version(request)
            ),
        )
        if done is not None:
            messages.success(request, "已保存绩效目标。")
            return redirect(_detail_url(goal, "texts"))
    return _detail(request, _goal(goal_id), text_form=form)


@unit_page(Op.GOAL_PREPARE)
@require_POST
def indicator_update(request: UnitRequest, goal_id: int, indicator_id: int) -> HttpResponse:
    goal = _goal(goal_id)
    indicator = _indicator(goal, indicator_id)
    form = IndicatorForm(request.POST, indicator=indicator)
    status = goal.status
    if form.is_valid():
        done = run_service(
            form,
            lambda: drafting.update_goal_indicator(
                indicator, form.changes(), user=request.user, expected_version=_version(request)
            ),
        )
        if done is not None:
            if request.htmx:
                response = _row_response(request, goal_id, indicator_id)
                if done.goal.status != status:  # a returned goal became a draft: redraw
                    response["HX-Refresh"] = "true"
                return response
            messages.success(request, f"已保存指标“{done.name}”。")
            return redirect(_detail_url(goal, f"ind-{indicator_id}"))
    if request.htmx:
        return _row_response(request, goal_id, indicator_id, form=form)
    return _detail(request, goal, row_forms={indicator_id: form})


@unit_page(Op.GOAL_PREPARE)
@require_POST
def indicator_remove(request: UnitRequest, goal_id: int, indicator_id: int) -> HttpResponse:
    goal = _goal(goal_id)
    indicator = _indicator(goal, indicator_id)
    if _attempt(
        request,
        lambda: drafting.remove_goal_indicator(
            indicator, user=request.user, expected_version=_version(request)
        ),
    ):
        messages.success(request, f"已删除指标“{indicator.name}”。")
    url = _detail_url(goal, "indicators")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@unit_page(Op.GOAL_PREPARE)
def goal_picker(request: UnitRequest, goal_id: int) -> HttpResponse:
    """The library picker: the indicators the goal can take, searched and filtered (htmx
    swaps the results as one types; without JavaScript it is a page of its own)."""
    goal = _goal(goal_id)
    form = PickerForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    found = library_selectors.goal_picker(
        search=data.get("q", ""),
        level1=data.get("level1", ""),
        level2=data.get("level2", ""),
        exclude_codes=[i.code for i in goal.indicators.all()],
    )
    context = {
        "goal": goal,
        "form": form,
        "page": Paginator(found, PER_PAGE).get_page(request.GET.get("page")),
        "editable": _editable(request, goal),
        "results_target": "#jx-picker-results" if request.htmx else "",
    }
    if request.htmx:
        return render(request, "web/workspace/goals/_picker_results.html", context)
    return render(request, "web/workspace/goals/picker.html", context)


@unit_page(Op.GOAL_PREPARE)
@require_POST
def indicator_add(request: UnitRequest, goal_id: int) -> HttpResponse:
    """Add the picked library indicators, all or none."""
    goal = _goal(goal_id)
    ids = [_int(value) for value in request.POST.getlist("library_indicator")]
    chosen = list(LibraryIndicator.objects.filter(pk__in=[i for i in ids if i]))
    chosen.sort(key=lambda li: ids.index(li.pk))
    if not chosen:
        messages.error(request, "请先勾选要加入的指标。")
    else:

        def add_all() -> list[GoalIndicator]:
            # the page's version is checked once, before the first: each addition raises it
            version = _version(request)
            added = []
            for item in chosen:
                added.append(
                    drafting.add_library_indicator(
                        goal, item, user=request.user, expected_version=version
                    )
                )
                version = None
            return added

        if _attempt(request, add_all):
            messages.success(request, f"已从指标库加入 {len(chosen)} 个指标。")
    return redirect(_detail_url(goal, "indicators"))


@unit_page(Op.GOAL_PREPARE)
@require_POST
def indicator_new(request: UnitRequest, goal_id: int) -> HttpResponse:
    goal = _goal(goal_id)
    form = NewIndicatorForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: drafting.add_goal_indicator(
                goal, form.data_for_service(), user=request.user, expected_version=_version(request)
            ),
        )
        if done is not None:
            messages.success(request, f"已新增自设指标“{done.name}”。")
            return redirect(_detail_url(goal, f"ind-{done.pk}"))
    return _detail(request, _goal(goal_id), new_form=form)


# --- submission and withdrawal ------------------------------------------------------------------


@unit_page(Op.GOAL_SUBMIT)
@require_POST
def goal_submit(request: UnitRequest, goal_id: int) -> HttpResponse:
    goal = _goal(goal_id)
    try:
        with transaction.atomic():
            workflow.submit(goal, user=request.user, expected_version=_version(request))
    except DomainError as error:
        return _detail(request, _goal(goal_id), problems=error.problems)
    messages.success(request, "已上报送审，等待单位负责人审核。")
    return redirect(_detail_url(goal))


@unit_page(Op.GOAL_SUBMIT)
@require_POST
def goal_withdraw(request: UnitRequest, goal_id: int) -> HttpResponse:
    goal = _goal(goal_id)
    if _attempt(request, lambda: workflow.withdraw(goal, user=request.user)):
        messages.success(request, "已撤回，绩效目标回到草稿状态，可修改后重新上报。")
    return redirect(_detail_url(goal))


# --- print preview and XLSX ---------------------------------------------------------------------


@unit_page()
def goal_preview(request: UnitRequest, goal_id: int) -> HttpResponse:
    """内容预览: the form as the official 绩效目标申报表 prints, on A4."""
    goal = _goal(goal_id)
    rows = [sheet.Row(indicator=i) for i in goal.indicators.all()]
    blocks = sheet.arrange(rows)
    totals = checks.weight_totals(list(goal.indicators.all()))
    context = {
        "goal": goal,
        "project": goal.project,
        "lines": sheet.print_rows(blocks),
        "totals": totals,
        "execution": 100 - totals.expected,
        "unit": request.unit,
    }
    return render(request, "web/workspace/goals/preview.html", context)


@unit_page()
def goal_export(request: UnitRequest, goal_id: int) -> HttpResponse:
    goal = _goal(goal_id)
    name = f"绩效目标申报表-{goal.project.code}-{goal.fiscal_year}.xlsx"
    return imports.xlsx_download(xlsx.export_goal(goal), name)


def _stash_key(goal: PerformanceGoal) -> str:
    return STASH_KEY.format(pk=goal.pk)


def _located(problems: list[Problem], rows: dict[str, int]) -> list[tuple[int | None, str]]:
    """Each problem with the sheet row of the indicator it names (``indicators.<code>…``)."""
    located = []
    for problem in problems:
        parts = (problem.field or "").split(".")
        row = rows.get(parts[1]) if parts[0] == "indicators" and len(parts) > 1 else None
        located.append((row, problem.message))
    return located


@unit_page(Op.GOAL_PREPARE)
@require_POST
def goal_import(request: UnitRequest, goal_id: int) -> HttpResponse:
    """Upload a filled form: nothing is written; the page lists what would change."""
    goal = _goal(goal_id)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        content = form.cleaned_data["file"].read()
        preview = run_service(form, lambda: xlsx.preview_import(goal.project, content))
        if preview is not None:
            imports.stash(request, _stash_key(goal), content, preview.digest)
            by_row: dict[Any, list[xlsx.Change]] = {}
            for change in preview.changes:
                key = (change.kind == "removed", change.row or 0, change.code)
                by_row.setdefault(key, []).append(change)

            context = {
                "goal": goal,
                "project": goal.project,
                "preview": preview,
                "notes": _located(preview.errors, preview.rows),
                "warnings": _located(preview.warnings, preview.rows),
                "groups": [by_row[key] for key in sorted(by_row)],
                "apply_form": ApplyImportForm(initial={"digest": preview.digest}),
                "file_name": form.cleaned_data["file"].name,
            }
            return render(request, "web/workspace/goals/import.html", context)
    return _detail(request, goal, upload_form=form)


@unit_page(Op.GOAL_PREPARE)
@require_POST
def goal_import_apply(request: UnitRequest, goal_id: int) -> HttpResponse:
    """Apply the confirmed upload in one transaction, only if it still changes what was shown."""
    goal = _goal(goal_id)
    form = ApplyImportForm(request.POST)
    content = imports.stashed(request, _stash_key(goal))
    if not form.is_valid() or content is None:
        messages.error(request, "没有待导入的申报表（可能已导入或已过期），请重新上传。")
        return redirect(_detail_url(goal, "xlsx"))
    done = run_service(
        form,
        lambda: xlsx.import_goal(
            goal.project, content, user=request.user, expected=form.cleaned_data["digest"]
        ),
    )
    if done is None:
        errors = [str(e) for e in form.non_field_errors()] + [
            str(e) for e in form.errors.get("digest", [])
        ]
        return _detail(request, _goal(goal_id), import_errors=errors)
    imports.drop_stash(request, _stash_key(goal))
    messages.success(request, "已按上传的申报表更新绩效目标。")
    return redirect(_detail_url(goal))


# --- adjustments after approval -----------------------------------------------------------------


@unit_page(Op.GOAL_SUBMIT)
def goal_adjustment(request: UnitRequest, goal_id: int) -> HttpResponse:
    """申请调整: new targets, weights or units for an approved goal, with the reason."""
    goal = _goal(goal_id)
    if goal.status != GoalStatus.APPROVED:
        messages.error(request, "只有已批复的绩效目标可以申请调整。")
        return redirect(_detail_url(goal))
    indicators = list(goal.indicators.all())
    existing = next((a for a in goal.adjustments.all() if a.status in workflow.SUBMITTABLE), None)
    initial: dict[str, Any] = {}
    if existing is not None:
        initial["reason"] = existing.reason
        pks = {i.code: i.pk for i in indicators}
        for change in existing.changes:
            if change["indicator"] in pks:
                value = change["after"]
                if change["field"] in ("target_value", "weight"):
                    value = formats.number(value)
                initial[f"a{pks[change['indicator']]}_{change['field']}"] = value
    form = AdjustmentForm(request.POST or None, indicators=indicators, initial=initial)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        changes = form.changes()

        def save() -> AdjustmentRequest:
            adjustment = workflow.request_adjustment(
                goal, reason=form.cleaned_data["reason"], changes=changes, user=request.user
            )
            if submit:
                workflow.submit_adjustment(adjustment, user=request.user)
            return adjustment

        done = run_service(form, save, fields=form.problem_fields())
        if done is not None:
            done_message = (
                "已提交调整申请，等待单位负责人审核。" if submit else "已保存调整申请草稿。"
            )
            messages.success(request, done_message)
            return redirect(_detail_url(goal, "adjustments"))
    rows = []
    for indicator in indicators:
        cells = form.cells[indicator.pk]
        target = cells.get("target_value") or cells["target_text"]
        rows.append(
            {
                "indicator": indicator,
                "target": form[target],
                "weight": form[cells["weight"]],
                "unit": form[cells["unit"]],
            }
        )
    context = {
        "goal": goal,
        "project": goal.project,
        "form": form,
        "rows": rows,
        "existing": existing,
    }
    return render(request, "web/workspace/goals/adjustment.html", context)


@unit_page(Op.GOAL_SUBMIT)
@require_POST
def adjustment_submit(request: UnitRequest, goal_id: int, adjustment_id: int) -> HttpResponse:
    goal = _goal(goal_id)
    adjustment = next((a for a in goal.adjustments.all() if a.pk == adjustment_id), None)
    if adjustment is None:
        raise Http404("没有该调整申请。")
    if _attempt(request, lambda: workflow.submit_adjustment(adjustment, user=request.user)):
        messages.success(request, "已提交调整申请，等待单位负责人审核。")
    return redirect(_detail_url(goal, "adjustments"))
