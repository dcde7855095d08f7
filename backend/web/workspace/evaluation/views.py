"""绩效自评: the year's self-evaluations, the score sheet with its live score (the engine, as
one types, nothing saved), submit / return / finalise, evidence, the PDF report; the
department-wide evaluation on its own page. Thin: a form, one service or selector, a
template."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from backend.accounts.policy import Op
from backend.budgets.models import Project
from backend.core.errors import DomainError
from backend.documents.services import store_document
from backend.evaluation import consistency, selectors
from backend.evaluation.models import DepartmentEvaluation, EvaluationStatus, SelfEvaluation
from backend.evaluation.scoring import GROUP_LABELS
from backend.evaluation.services import department as department_services
from backend.evaluation.services import project as project_services
from backend.reports import services as reports
from backend.reports.downloads import download_path
from backend.web.access import signed_in_user, unit_page
from backend.web.forms import PlainForm, add_problems, run_service
from backend.web.requests import UnitRequest
from backend.web.workspace.evaluation.forms import CommentForm, EvidenceForm, SheetForm
from backend.web.workspace.monitoring.views import page_number, year_of

PAGE_SIZE = 25
PROJECT_FIELDS = ("executed", "deviation_analysis", "improvement_measures")
DEPARTMENT_FIELDS = ("summary", "improvement_measures")


def default_year() -> int:
    """The latest year the unit has self-evaluations of, else the year just ended (a year's
    self-evaluation is done early the next year)."""
    return selectors.latest_year() or timezone.localdate().year - 1


@unit_page()
def index(request: UnitRequest) -> HttpResponse:
    year = year_of(request, default_year())
    evaluations = Paginator(selectors.evaluation_list(fiscal_year=year), PAGE_SIZE).get_page(
        page_number(request)
    )
    ready = Paginator(selectors.projects_to_evaluate(fiscal_year=year), PAGE_SIZE).get_page(
        page_number(request, "ready_page")
    )
    return render(
        request,
        "web/workspace/evaluation/index.html",
        {
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 6, -1)),
            "evaluations": evaluations,
            "ready": ready,
            "department": DepartmentEvaluation.objects.filter(fiscal_year=year).first(),
            "can_prepare": request.unit_access.allows(Op.EVALUATION_PREPARE),
        },
    )


class StartForm(PlainForm):
    pass


@unit_page(Op.EVALUATION_PREPARE)
@require_POST
def start(request: UnitRequest) -> HttpResponse:
    project_id = request.POST.get("project_id", "")
    project = Project.objects.filter(pk=project_id).first() if project_id.isdigit() else None
    if project is None:
        raise Http404("没有该项目。")
    form = StartForm({})
    form.is_valid()
    evaluation = run_service(
        form,
        lambda: project_services.start_self_evaluation(project, project.fiscal_year, request.user),
    )
    if evaluation is None:
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect(f"{reverse('ws:evaluations')}?year={project.fiscal_year}")
    return redirect("ws:evaluation-detail", evaluation_id=evaluation.pk)


# --- a project's score sheet ----------------------------------------------------------------


def evaluation_or_404(evaluation_id: int) -> SelfEvaluation:
    evaluation = selectors.self_evaluation(evaluation_id)
    if evaluation is None:
        raise Http404("没有该项目自评。")
    return evaluation


def _rows(evaluation: SelfEvaluation | DepartmentEvaluation) -> list[Any]:
    return list(evaluation.indicators.all())


def group_lines(sheet: Any) -> list[tuple[str, str]]:
    """(label, subtotal) of each scoring group: (投入, 过程,) 产出, 效益, 满意度, (效果,) then
    any other."""
    scores = sheet.group_scores or {}
    sequence = ("input", "process", "output", "effect", "satisfaction", "outcome")
    order = {group: index for index, group in enumerate(sequence)}
    keys = sorted(scores, key=lambda k: (order.get(k, len(order)), k))
    return [(f"{GROUP_LABELS.get(k, k)}指标", scores[k]) for k in keys]


def _urls(prefix: str, **kwargs: Any) -> dict[str, str]:
    """The addresses of a sheet's actions (``ws:evaluation-save`` …, ``ws:department-save`` …)."""
    return {
        action: reverse(f"ws:{prefix}-{action}", kwargs=kwargs)
        for action in ("score", "save", "submit", "return", "finalise", "report")
    }


def _sheet_context(
    request: UnitRequest, sheet: Any, rows: list[Any], form: SheetForm | None, **extra: Any
) -> dict[str, Any]:
    access = request.unit_access
    draft = sheet.status == EvaluationStatus.DRAFT
    return {
        "sheet": sheet,
        "rows": rows,
        "form": form if draft and access.allows(Op.EVALUATION_PREPARE) else None,
        "groups": group_lines(sheet),
        "can_finalise": sheet.status == EvaluationStatus.SUBMITTED
        and access.allows(Op.EVALUATION_FINALISE),
        "can_report": access.allows(Op.REPORT_GENERATE),
        "can_import": draft and access.allows(Op.EVALUATION_PREPARE),
        "can_upload": draft and access.allows(Op.DOCUMENT_UPLOAD) and bool(rows),
        "history": selectors.status_history(sheet),
        "findings": [
            {"code": f.code, "label": consistency.LABELS[f.code], "message": f.message}
            for f in selectors.findings(sheet)
        ],
        **extra,
    }


def _sheet_page(
    request: UnitRequest,
    evaluation: SelfEvaluation,
    form: SheetForm | None = None,
    *,
    comment: CommentForm | None = None,
    evidence: EvidenceForm | None = None,
    rows: list[Any] | None = None,
) -> HttpResponse:
    rows = rows if rows is not None else _rows(evaluation)
    form = form or SheetForm(rows=rows, sheet=evaluation, sheet_fields=PROJECT_FIELDS)
    context = _sheet_context(
        request,
        evaluation,
        rows,
        form,
        comment=comment or CommentForm(),
        evidence=evidence or EvidenceForm(rows=rows),
        urls=_urls("evaluation", evaluation_id=evaluation.pk),
    )
    return render(request, "web/workspace/evaluation/detail.html", context)


@unit_page()
def detail(request: UnitRequest, evaluation_id: int) -> HttpResponse:
    return _sheet_page(request, evaluation_or_404(evaluation_id))


def _bound(request: HttpRequest, sheet: Any, fields: tuple[str, ...]) -> SheetForm:
    form = SheetForm(request.POST, rows=_rows(sheet), sheet=sheet, sheet_fields=fields)
    form.is_valid()
    return form


@unit_page(Op.EVALUATION_PREPARE)
@require_POST
def score(request: UnitRequest, evaluation_id: int) -> HttpResponse:
    """The live score (htmx, as one types): the typed values scored by the engine, nothing
    saved. Answers the summary and, out of band, each line's score."""
    evaluation = evaluation_or_404(evaluation_id)
    form = _bound(request, evaluation, PROJECT_FIELDS)
    preview = project_services.preview_self_evaluation(
        evaluation, indicators=form.indicator_rows(), **form.sheet_values()
    )
    return _live(request, form, preview.evaluation, preview.rows, preview.problems)


def _live(
    request: HttpRequest, form: SheetForm, sheet: Any, rows: list[Any], problems: list[Any]
) -> HttpResponse:
    if problems:
        add_problems(form, DomainError(*problems), form.problem_fields())
    return render(
        request,
        "web/workspace/evaluation/_live.html",
        {
            "sheet": sheet,
            "rows": rows,
            "groups": group_lines(sheet),
            "row_errors": form.row_errors(),
            "sheet_errors": [e for n in form.sheet_fields for e in form.errors.get(n, [])],
            "oob": True,
        },
    )


def _record_project(request: HttpRequest, evaluation: SelfEvaluation, form: SheetForm) -> Any:
    return project_services.record_self_evaluation(
        evaluation,
        request.user,
        indicators=form.indicator_rows(),
        expected_version=form.cleaned_data.get("version"),
        **form.sheet_values(),
    )


@unit_page(Op.EVALUATION_PREPARE)
@require_POST
def save(request: UnitRequest, evaluation_id: int) -> HttpResponse:
    evaluation = evaluation_or_404(evaluation_id)
    form = _bound(request, evaluation, PROJECT_FIELDS)
    if form.is_valid() and run_service(
        form, lambda: _record_project(request, evaluation, form), form.problem_fields()
    ):
        messages.success(request, "自评已保存，得分已按评分规则重新计算。")
        return redirect("ws:evaluation-detail", evaluation_id=evaluation.pk)
    return _refused(request, evaluation_id, form)


@unit_page(Op.EVALUATION_PREPARE)
@require_POST
def submit(request: UnitRequest, evaluation_id: int) -> HttpResponse:
    """Save what the sheet holds and submit it to the leader, in one transaction."""
    evaluation = evaluation_or_404(evaluation_id)
    form = _bound(request, evaluation, PROJECT_FIELDS)
    if form.is_valid() and bool(
        run_service(
            form,
            lambda: project_services.submit_self_evaluation(
                _record_project(request, evaluation, form), request.user
            ),
            form.problem_fields(),
        )
    ):
        messages.success(request, "自评已上报本院负责人审核。")
        return redirect("ws:evaluation-detail", evaluation_id=evaluation.pk)
    return _refused(request, evaluation_id, form)


def _refused(request: UnitRequest, evaluation_id: int, form: SheetForm) -> HttpResponse:
    """The sheet again after a refused save or submission: the typed values with their
    problems, and the scores of what was typed (as the live total showed them, nothing saved),
    not the stored ones, which would contradict the values beside them."""
    preview = project_services.preview_self_evaluation(
        evaluation_or_404(evaluation_id), indicators=form.indicator_rows(), **form.sheet_values()
    )
    return _sheet_page(request, preview.evaluation, form, rows=preview.rows)


def _finish(
    request: HttpRequest, form: PlainForm, call: Callable[[], Any], done: str, back: str
) -> HttpResponse | None:
    """Run a leader's decision; on success a message and ``back``; None when it failed (the
    problems are on ``form``)."""
    if form.is_valid() and run_service(form, call):
        messages.success(request, done)
        return redirect(back)
    return None


@unit_page(Op.EVALUATION_FINALISE)
@require_POST
def send_back(request: UnitRequest, evaluation_id: int) -> HttpResponse:
    evaluation = evaluation_or_404(evaluation_id)
    comment = CommentForm(request.POST)
    done = _finish(
        request,
        comment,
        lambda: project_services.return_self_evaluation(
            evaluation, request.user, comment.cleaned_data["comment"]
        ),
        "自评已退回，财务人员修改后可重新上报。",
        reverse("ws:evaluation-detail", kwargs={"evaluation_id": evaluation.pk}),
    )
    return done or _sheet_page(request, evaluation, comment=comment)


@unit_page(Op.EVALUATION_FINALISE)
@require_POST
def finalise(request: UnitRequest, evaluation_id: int) -> HttpResponse:
    evaluation = evaluation_or_404(evaluation_id)
    form = StartForm({})
    done = _finish(
        request,
        form,
        lambda: project_services.finalise_self_evaluation(evaluation, request.user),
        "自评已定稿，结果已报送上级。",
        reverse("ws:evaluation-detail", kwargs={"evaluation_id": evaluation.pk}),
    )
    if done:
        return done
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect("ws:evaluation-detail", evaluation_id=evaluation.pk)


@unit_page(Op.REPORT_GENERATE)
@require_POST
def report(request: UnitRequest, evaluation_id: int) -> HttpResponse:
    """Render the PDF report as the evaluation stands, store it, and download it."""
    evaluation = evaluation_or_404(evaluation_id)
    document = reports.generate_self_evaluation_report(
        evaluation=evaluation,
        unit=request.unit,
        user=signed_in_user(request),
    )
    return redirect(download_path(document))


@unit_page(Op.DOCUMENT_UPLOAD)
@require_POST
def evidence(request: UnitRequest, evaluation_id: int) -> HttpResponse:
    """Store one evidence file and cite it for one indicator (one transaction)."""
    evaluation = evaluation_or_404(evaluation_id)
    rows = _rows(evaluation)
    form = EvidenceForm(request.POST, request.FILES, rows=rows)
    if form.is_valid():
        code = form.cleaned_data["code"]
        upload = form.cleaned_data["file"]
        cited = next(r for r in rows if r.code == code)

        def attach() -> Any:
            document = store_document(
                title=form.cleaned_data["title"].strip() or upload.name,
                content=upload,
                uploaded_by=signed_in_user(request),
            )
            ids = [d.pk for d in cited.evidence.all()] + [document.pk]
            return project_services.record_self_evaluation(
                evaluation, request.user, indicators=[{"code": code, "evidence_ids": ids}]
            )

        if run_service(form, attach, {"indicators[0].evidence_ids": "file"}):
            messages.success(request, f"佐证材料已上传：{upload.name}")
            return redirect(
                reverse("ws:evaluation-detail", kwargs={"evaluation_id": evaluation.pk})
                + "#evidence"
            )
    return _sheet_page(request, evaluation, evidence=form)


# --- the department-wide evaluation ---------------------------------------------------------


def _department(fiscal_year: int) -> DepartmentEvaluation | None:
    return selectors.department_evaluation(fiscal_year)


def _department_page(
    request: UnitRequest,
    fiscal_year: int,
    form: SheetForm | None = None,
    *,
    comment: CommentForm | None = None,
) -> HttpResponse:
    department = _department(fiscal_year)
    context: dict[str, Any] = {
        "year": fiscal_year,
        "can_prepare": request.unit_access.allows(Op.EVALUATION_PREPARE),
        "projects": Paginator(
            selectors.evaluation_list(fiscal_year=fiscal_year), PAGE_SIZE
        ).get_page(page_number(request)),
    }
    if department is not None:
        rows = _rows(department)
        form = form or SheetForm(rows=rows, sheet=department, sheet_fields=DEPARTMENT_FIELDS)
        context.update(
            _sheet_context(
                request,
                department,
                rows,
                form,
                comment=comment or CommentForm(),
                urls=_urls("department", fiscal_year=fiscal_year),
                poor_projects=selectors.poor_projects(fiscal_year),
            )
        )
    return render(request, "web/workspace/evaluation/department.html", context)


@unit_page()
def department(request: UnitRequest, fiscal_year: int) -> HttpResponse:
    return _department_page(request, fiscal_year)


def _department_or_404(fiscal_year: int) -> DepartmentEvaluation:
    found = _department(fiscal_year)
    if found is None:
        raise Http404("尚未建立部门整体自评。")
    return found


@unit_page(Op.EVALUATION_PREPARE)
@require_POST
def department_start(request: UnitRequest, fiscal_year: int) -> HttpResponse:
    """Open the department evaluation, or bring a draft up to date with the finalised
    projects and the library."""
    form = StartForm({})
    form.is_valid()
    if run_service(
        form,
        lambda: department_services.start_department_evaluation(fiscal_year, request.user),
    ):
        messages.success(request, "部门整体自评已按已定稿的项目自评更新。")
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect("ws:department-detail", fiscal_year=fiscal_year)


@unit_page(Op.EVALUATION_PREPARE)
@require_POST
def department_score(request: UnitRequest, fiscal_year: int) -> HttpResponse:
    department = _department_or_404(fiscal_year)
    form = _bound(request, department, DEPARTMENT_FIELDS)
    rows, problems = department_services.preview_department_evaluation(
        department, indicators=form.indicator_rows()
    )
    return _live(request, form, department, rows, problems)


def _record_department(
    request: HttpRequest, department: DepartmentEvaluation, form: SheetForm
) -> Any:
    return department_services.record_department_evaluation(
        department, request.user, indicators=form.indicator_rows(), **form.sheet_values()
    )


@unit_page(Op.EVALUATION_PREPARE)
@require_POST
def department_save(request: UnitRequest, fiscal_year: int) -> HttpResponse:
    department = _department_or_404(fiscal_year)
    form = _bound(request, department, DEPARTMENT_FIELDS)
    if form.is_valid() and run_service(
        form, lambda: _record_department(request, department, form), form.problem_fields()
    ):
        messages.success(request, "部门整体自评已保存。")
        return redirect("ws:department-detail", fiscal_year=fiscal_year)
    return _department_page(request, fiscal_year, form)


@unit_page(Op.EVALUATION_PREPARE)
@require_POST
def department_submit(request: UnitRequest, fiscal_year: int) -> HttpResponse:
    department = _department_or_404(fiscal_year)
    form = _bound(request, department, DEPARTMENT_FIELDS)
    if form.is_valid() and bool(
        run_service(
            form,
            lambda: department_services.submit_department_evaluation(
                _record_department(request, department, form), request.user
            ),
            {**form.problem_fields(), "evaluated_projects": ""},
        )
    ):
        messages.success(request, "部门整体自评已上报本院负责人审核。")
        return redirect("ws:department-detail", fiscal_year=fiscal_year)
    return _department_page(request, fiscal_year, form)


@unit_page(Op.EVALUATION_FINALISE)
@require_POST
def department_return(request: UnitRequest, fiscal_year: int) -> HttpResponse:
    department = _department_or_404(fiscal_year)
    comment = CommentForm(request.POST)
    done = _finish(
        request,
        comment,
        lambda: department_services.return_department_evaluation(
            department, request.user, comment.cleaned_data["comment"]
        ),
        "部门整体自评已退回。",
        reverse("ws:department-detail", kwargs={"fiscal_year": fiscal_year}),
    )
    return done or _department_page(request, fiscal_year, comment=comment)


@unit_page(Op.EVALUATION_FINALISE)
@require_POST
def department_finalise(request: UnitRequest, fiscal_year: int) -> HttpResponse:
    department = _department_or_404(fiscal_year)
    form = StartForm({})
    done = _finish(
        request,
        form,
        lambda: department_services.finalise_department_evaluation(department, request.user),
        "部门整体自评已定稿。",
        reverse("ws:department-detail", kwargs={"fiscal_year": fiscal_year}),
    )
    if done:
        return done
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect("ws:department-detail", fiscal_year=fiscal_year)


@unit_page(Op.REPORT_GENERATE)
@require_POST
def department_report(request: UnitRequest, fiscal_year: int) -> HttpResponse:
    form = StartForm({})
    form.is_valid()
    document = run_service(
        form,
        lambda: reports.generate_department_report(
            fiscal_year=fiscal_year,
            unit=request.unit,
            user=signed_in_user(request),
        ),
    )
    if document is None:
        raise Http404("尚未建立部门整体自评。")
    return redirect(download_path(document))
