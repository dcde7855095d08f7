"""重点评价 (managers: plan, assign, watch the scores, finalise) and 我的评价任务 (an evaluator's
own assignments and score sheets). Thin: a form, one service
(``backend.key_evaluation.services``) or selector (``backend.console.key_evaluations``), a
template. An evaluator reaches only its own assignments (another's answers 404); a manager
only the key evaluations of the units in its subtree."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from backend.accounts.policy import Op
from backend.console import key_evaluations as selectors
from backend.evaluation import scoring
from backend.key_evaluation import selectors as key_selectors
from backend.key_evaluation import services
from backend.key_evaluation.models import (
    AssignmentStatus,
    KeyEvaluation,
    KeyEvaluationKind,
    KeyEvaluationStatus,
)
from backend.web.access import console_page, signed_in_user
from backend.web.console.feedback.forms import years
from backend.web.console.feedback.tables import city_choices, ordering, year_filter
from backend.web.console.key_evaluations.forms import (
    FIELDS,
    AssignForm,
    DrawForm,
    FinaliseForm,
    SelectForm,
    SheetForm,
)
from backend.web.forms import PlainForm, run_service
from backend.web.requests import ConsoleRequest
from backend.web.workspace.monitoring.views import page_number
from tenants.models import Procuratorate

PAGE_SIZE = 25
GRADES = ["优", "良", "中", "差"]


def _paths(request: ConsoleRequest) -> list[str]:
    return request.console_access.paths(Op.KEY_EVALUATION_MANAGE)


def _issuer(request: ConsoleRequest) -> tuple[Procuratorate, list[Procuratorate]]:
    issuers = request.console_access.units_for(Op.KEY_EVALUATION_MANAGE)
    wanted = request.POST.get("issuer") or request.GET.get("issuer")
    return next((u for u in issuers if u.code == wanted), issuers[0]), issuers


# --- the managers' list ------------------------------------------------------------------------


@console_page(Op.KEY_EVALUATION_MANAGE)
def index(request: ConsoleRequest) -> HttpResponse:
    """The key evaluations of the scope: evaluators, the mean and spread of their submitted
    totals, the gap to the self-score and its flag; filters and sorting."""
    paths = _paths(request)
    year = year_filter(request)
    status = request.GET.get("status", "")
    status = status if status in KeyEvaluationStatus.values else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in KeyEvaluationKind.values else ""
    cities = city_choices(paths)
    city = request.GET.get("city", "")
    city = city if city in dict(cities) else ""
    flagged = True if request.GET.get("overrated") == "1" else None
    order = ordering(request, selectors.ORDER, "unit")
    page = Paginator(
        selectors.key_evaluations(
            paths,
            fiscal_year=year,
            status=status or None,
            kind=kind or None,
            city=city or None,
            overrated=flagged,
            order=order,
        ),
        PAGE_SIZE,
    ).get_page(page_number(request))
    issuer, _ = _issuer(request)
    threshold = selectors.overrate_points(issuer)
    return render(
        request,
        "web/console/key_evaluations/index.html",
        {
            "page": page,
            "rows": selectors.rows(list(page), threshold),
            "threshold": threshold,
            "counts": selectors.counts(paths, fiscal_year=year),
            "year": year,
            "years": years(),
            "status": status,
            "statuses": [("", "全部状态"), *KeyEvaluationStatus.choices],
            "kind": kind,
            "kinds": [("", "全部类型"), *KeyEvaluationKind.choices],
            "city": city,
            "cities": cities,
            "overrated": flagged,
            "sort": order,
        },
    )


# --- planning ----------------------------------------------------------------------------------


def _plan_page(
    request: ConsoleRequest,
    select_form: SelectForm | None = None,
    draw_form: DrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    issuer, issuers = _issuer(request)
    year = year_filter(request)
    cities = city_choices([issuer.path])
    city = request.GET.get("city", "")
    city = city if city in dict(cities) else ""
    grade = request.GET.get("grade", "")
    grade = grade if grade in GRADES else ""
    flagged = request.GET.get("flagged") == "1"
    order = ordering(request, dict.fromkeys(selectors.CANDIDATE_ORDER), "unit")
    page = Paginator(
        selectors.candidates(
            issuer,
            fiscal_year=year,
            city=city or None,
            grade=grade or None,
            flagged=flagged or None,
            order=order,
        ),
        PAGE_SIZE,
    ).get_page(page_number(request))
    draws = Paginator(key_selectors.visible_draws(request.user).filter(issuer=issuer), 5).get_page(
        page_number(request, "draws_page")
    )
    return render(
        request,
        "web/console/key_evaluations/plan.html",
        {
            "issuer": issuer,
            "issuers": issuers,
            "page": page,
            "select_form": select_form or SelectForm(ids=[]),
            "draw_form": draw_form or DrawForm(initial={"fiscal_year": year or years()[0][0]}),
            "draws": draws,
            "year": year,
            "years": years(),
            "city": city,
            "cities": cities,
            "grade": grade,
            "grades": GRADES,
            "flagged": flagged,
            "sort": order,
        },
        status=status,
    )


@console_page(Op.KEY_EVALUATION_MANAGE)
def plan(request: ConsoleRequest) -> HttpResponse:
    """The projects that may be selected (finalised self-evaluations below the issuer without
    a key evaluation), the sampling draw and the draws made."""
    return _plan_page(request)


@console_page(Op.KEY_EVALUATION_MANAGE)
@require_POST
def plan_select(request: ConsoleRequest) -> HttpResponse:
    """Select the checked projects for key evaluation, all in one transaction
    (``select_for_key_evaluation`` for each)."""
    issuer, _ = _issuer(request)
    wanted = [int(v) for v in request.POST.getlist("fact_ids") if v.isdigit()]
    facts = {f.pk: f for f in selectors.candidates(issuer).filter(pk__in=wanted)}
    form = SelectForm(request.POST, ids=list(facts))
    if form.is_valid():
        chosen = [facts[i] for i in form.cleaned_data["fact_ids"]]
        if not chosen:
            form.add_error("fact_ids", "请至少勾选一个项目。")
        else:
            selected = run_service(
                form,
                lambda: [
                    services.select_for_key_evaluation(
                        issuer, request.user, f.unit, f.project_id, f.fiscal_year
                    )
                    for f in chosen
                ],
            )
            if selected is not None:
                messages.success(
                    request, f"已选定 {len(selected)} 个项目进行重点评价，请指定评价人员。"
                )
                return redirect("console:key-evaluations")
    return _plan_page(request, select_form=form)


@console_page(Op.KEY_EVALUATION_MANAGE)
@require_POST
def plan_draw(request: ConsoleRequest) -> HttpResponse:
    """The sampling draw (``draw_sample``): a reproducible share plus every flagged one."""
    issuer, _ = _issuer(request)
    form = DrawForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        draw = run_service(
            form,
            lambda: services.draw_sample(
                issuer,
                request.user,
                data["fiscal_year"],
                data["share"] or None,
                data["seed"] or None,
            ),
        )
        if draw is not None:
            messages.success(
                request,
                f"已从 {draw.population_size} 份已定稿自评中随机抽取 {draw.sample_size} 份，"
                f"另纳入存在提示项的 {len(draw.flagged)} 份，新建抽查复核 {draw.created} 个。",
            )
            return redirect("console:key-evaluations")
    return _plan_page(request, draw_form=form)


# --- one key evaluation ------------------------------------------------------------------------


def _key_eval(request: ConsoleRequest, pk: int) -> KeyEvaluation:
    found = selectors.key_evaluation(_paths(request), pk)
    if found is None:
        raise Http404("没有该重点评价。")
    return found


def _detail_page(
    request: HttpRequest,
    key_eval: KeyEvaluation,
    assign_form: AssignForm | None = None,
    finalise_form: FinaliseForm | None = None,
) -> HttpResponse:
    assignments = list(key_eval.assignments.all())
    open_ = key_eval.status != KeyEvaluationStatus.FINALISED
    evaluators = list(key_selectors.evaluators_for(key_eval.issuer)) if open_ else []
    choices = [(u.pk, u.full_name or u.username) for u in evaluators]
    totals = [
        a.total
        for a in assignments
        if a.status == AssignmentStatus.SUBMITTED and a.total is not None
    ]
    mean = selectors.q(sum(totals) / len(totals)) if totals else None
    threshold = key_eval.overrate_points or selectors.overrate_points(key_eval.unit)
    row = selectors.rows([_with_mean(key_eval, mean)], threshold)[0]
    return render(
        request,
        "web/console/key_evaluations/detail.html",
        {
            "e": key_eval,
            "assignments": assignments,
            "lines": selectors.indicator_rows(key_eval),
            "row": row,
            "threshold": threshold,
            "assign_form": assign_form
            if assign_form is not None
            else (
                AssignForm(
                    initial={"user_ids": [a.evaluator_id for a in assignments]},
                    evaluators=choices,
                )
                if open_
                else None
            ),
            "finalise_form": finalise_form
            if finalise_form is not None
            else (FinaliseForm() if open_ and assignments else None),
        },
    )


def _with_mean(key_eval: KeyEvaluation, mean: Any) -> KeyEvaluation:
    key_eval.mean = mean  # type: ignore[attr-defined]  # for the template
    return key_eval


@console_page(Op.KEY_EVALUATION_MANAGE)
def detail(request: ConsoleRequest, key_evaluation_id: int) -> HttpResponse:
    """The self-evaluation as selected, indicator by indicator: the unit's score, each
    evaluator's, their mean and spread; the evaluators; assign and finalise."""
    return _detail_page(request, _key_eval(request, key_evaluation_id))


@console_page(Op.KEY_EVALUATION_MANAGE)
@require_POST
def assign(request: ConsoleRequest, key_evaluation_id: int) -> HttpResponse:
    key_eval = _key_eval(request, key_evaluation_id)
    evaluators = key_selectors.evaluators_for(key_eval.issuer)
    form = AssignForm(
        request.POST, evaluators=[(u.pk, u.full_name or u.username) for u in evaluators]
    )
    if form.is_valid() and bool(
        run_service(
            form,
            lambda: services.assign_evaluators(
                KeyEvaluation.objects.select_for_update().get(pk=key_eval.pk),
                request.user,
                form.cleaned_data["user_ids"],
            ),
            {"user_ids": "user_ids"},
        )
    ):
        messages.success(request, "评价人员已指定。")
        return redirect("console:key-evaluation-detail", key_evaluation_id=key_eval.pk)
    return _detail_page(request, _key_eval(request, key_evaluation_id), assign_form=form)


@console_page(Op.KEY_EVALUATION_MANAGE)
@require_POST
def finalise(request: ConsoleRequest, key_evaluation_id: int) -> HttpResponse:
    key_eval = _key_eval(request, key_evaluation_id)
    form = FinaliseForm(request.POST)
    if form.is_valid() and bool(
        run_service(
            form,
            lambda: services.finalise_key_evaluation(
                KeyEvaluation.objects.select_for_update()
                .select_related("unit", "issuer")
                .get(pk=key_eval.pk),
                request.user,
                form.cleaned_data["conclusion"],
            ),
        )
    ):
        messages.success(request, "重点评价已定稿。")
        return redirect("console:key-evaluation-detail", key_evaluation_id=key_eval.pk)
    return _detail_page(request, _key_eval(request, key_evaluation_id), finalise_form=form)


# --- 我的评价任务 ----------------------------------------------------------------------


@console_page(Op.KEY_EVALUATION_SCORE)
def my_assignments(request: ConsoleRequest) -> HttpResponse:
    """The evaluator's own assignments, newest first; filter by status."""
    status = request.GET.get("status", "")
    status = status if status in AssignmentStatus.values else ""
    page = Paginator(
        key_selectors.my_assignments(request.user, status=status or None), PAGE_SIZE
    ).get_page(page_number(request))
    return render(
        request,
        "web/console/key_evaluations/my_assignments.html",
        {
            "page": page,
            "status": status,
            "statuses": [("", "全部"), *AssignmentStatus.choices],
        },
    )


def _assignment(request: HttpRequest, pk: int) -> Any:
    found = selectors.my_assignment(signed_in_user(request), pk)
    if found is None:
        raise Http404("没有该评分任务。")
    return found


def _sheet(
    request: HttpRequest,
    assignment: Any,
    form: SheetForm | None = None,
    top: PlainForm | None = None,
) -> HttpResponse:
    indicators = list(assignment.key_evaluation.indicators.all())
    scores = {s.indicator_id: s for s in assignment.scores.all()}
    editable = (
        assignment.status == AssignmentStatus.ASSIGNED
        and assignment.key_evaluation.status != KeyEvaluationStatus.FINALISED
    )
    if form is None:
        form = SheetForm(indicators=indicators, scores=scores, assignment=assignment)
        for field in form.fields.values():
            field.disabled = not editable
    return render(
        request,
        "web/console/key_evaluations/sheet.html",
        {
            "a": assignment,
            "e": assignment.key_evaluation,
            "form": form,
            "top": top,
            "lines": [
                (indicator, fields, scores.get(indicator.pk)) for indicator, fields in form.lines()
            ],
            "editable": editable,
            "qualitative": scoring.QUALITATIVE,
            "bands": scoring.BAND_LABELS,
            "form_id": "score-sheet",
        },
    )


@console_page(Op.KEY_EVALUATION_SCORE)
def my_assignment(request: ConsoleRequest, assignment_id: int) -> HttpResponse:
    """The evaluator's score sheet: the unit's self-evaluation beside the evaluator's own
    entries; 保存 records them (``record_evaluator_scores``) and the engine scores the
    sheet."""
    assignment = _assignment(request, assignment_id)
    if request.method != "POST":
        return _sheet(request, assignment)
    indicators = list(assignment.key_evaluation.indicators.all())
    scores = {s.indicator_id: s for s in assignment.scores.all()}
    form = SheetForm(request.POST, indicators=indicators, scores=scores, assignment=assignment)
    if form.is_valid():
        rows = form.rows(set(scores))
        fields = {
            f"indicators.{k}.{name}": f"indicators.{row['_index']}.{name}"
            for k, row in enumerate(rows)
            for name in FIELDS
        }
        fields.update({f"indicators.{k}.code": "" for k in range(len(rows))})
        saved = run_service(
            form,
            lambda: services.record_evaluator_scores(
                _locked(request, assignment_id),
                request.user,
                [{k: v for k, v in row.items() if k != "_index"} for row in rows],
                form.cleaned_data["comment"],
            ),
            fields,
        )
        if saved is not None:
            messages.success(request, f"评分已保存，当前总分 {saved.total}（{saved.grade}）。")
            return redirect("console:my-assignment", assignment_id=assignment.pk)
    return _sheet(request, assignment, form)


def _locked(request: HttpRequest, pk: int) -> Any:
    from backend.key_evaluation.models import EvaluatorAssignment

    return (
        EvaluatorAssignment.objects.select_for_update(of=("self",))
        .select_related("key_evaluation")
        .get(pk=pk, evaluator=signed_in_user(request))
    )


@console_page(Op.KEY_EVALUATION_SCORE)
@require_POST
def my_assignment_submit(request: ConsoleRequest, assignment_id: int) -> HttpResponse:
    """Submit the sheet (``submit_evaluator_scores``): every indicator assessed; frozen."""
    assignment = _assignment(request, assignment_id)
    top = PlainForm({})
    top.is_valid()
    if run_service(
        top, lambda: services.submit_evaluator_scores(_locked(request, assignment_id), request.user)
    ):
        messages.success(request, "评分已提交。")
        return redirect("console:my-assignment", assignment_id=assignment.pk)
    return _sheet(request, _assignment(request, assignment_id), top=top)
