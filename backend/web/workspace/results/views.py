"""结果应用: rectification requests and feedback received, answered with text and evidence
files; the budget linkage of the unit's projects, read-only. Thin: a form, one service or
selector, a template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from backend.accounts.policy import Op
from backend.documents.models import Document
from backend.documents.services import store_document
from backend.feedback import selectors, services
from backend.feedback.models import (
    FeedbackItem,
    RectificationRequest,
    RectificationStatus,
)
from backend.web.access import signed_in_user, unit_page
from backend.web.forms import run_service
from backend.web.requests import UnitRequest
from backend.web.workspace.monitoring.views import page_number
from backend.web.workspace.results.forms import ActionForm, AnswerForm, RespondForm

PAGE_SIZE = 25
RECTIFICATION_FILTERS = (("", "全部"), *RectificationStatus.choices, ("overdue", "已逾期"))
FIGURE_LABELS = {
    "fiscal_year": "年度",
    "projects": "项目数",
    "budget": "预算（元）",
    "executed": "执行数（元）",
    "execution_rate": "执行率（%）",
    "evaluated_projects": "已定稿自评项目数",
    "self_score": "项目自评加权得分",
    "self_grade": "项目自评等级",
    "department_score": "部门整体自评得分",
    "department_grade": "部门整体自评等级",
    "open_alerts": "未解除预警",
    "open_rectifications": "未完成整改",
    "overdue_rectifications": "逾期整改",
    # A batch built from a benchmark view (console 反馈与整改): the metric and the unit's place.
    "metric_label": "对标指标",
    "metric_value": "指标值",
    "metric_unit": "计量单位",
    "metric_rank": "排名",
    "metric_units": "参与排名单位数",
    "metric_percentile": "百分位",
    "metric_median": "中位数",
}


@unit_page()
def index(request: UnitRequest) -> HttpResponse:
    unit = request.unit
    wanted = request.GET.get("status", "")
    status = wanted if wanted in RectificationStatus.values else None
    overdue = True if wanted == "overdue" else None
    rectifications = Paginator(
        selectors.rectifications_of_unit(unit, status=status, overdue=overdue), PAGE_SIZE
    ).get_page(page_number(request))
    feedback = Paginator(selectors.feedback_items_of_unit(unit), PAGE_SIZE).get_page(
        page_number(request, "feedback_page")
    )
    linkages = Paginator(
        selectors.linkages_of_unit(unit).order_by("-fiscal_year", "project_code"), PAGE_SIZE
    ).get_page(page_number(request, "linkage_page"))
    return render(
        request,
        "web/workspace/results/index.html",
        {
            "rectifications": rectifications,
            "feedback": feedback,
            "linkages": linkages,
            "filters": RECTIFICATION_FILTERS,
            "status": wanted if (status or overdue) else "",
            "today": timezone.localdate(),
        },
    )


def _rectification(request: UnitRequest, pk: int) -> RectificationRequest:
    found = selectors.rectification_of_unit(request.unit, pk)
    if found is None:
        raise Http404("没有该整改通知。")
    return found


def _rectification_page(
    request: UnitRequest, rectification: RectificationRequest, form: RespondForm | None = None
) -> HttpResponse:
    events = list(rectification.events.all())
    cited = {pk for event in events for pk in event.evidence_ids}
    documents = {d.pk: d for d in Document.objects.filter(pk__in=cited)} if cited else {}
    can_respond = rectification.status == RectificationStatus.OPEN and request.unit_access.allows(
        Op.RESULTS_RESPOND
    )
    return render(
        request,
        "web/workspace/results/rectification.html",
        {
            "rectification": rectification,
            "events": [
                (event, [documents[pk] for pk in event.evidence_ids if pk in documents])
                for event in events
            ],
            "form": form if form is not None else (RespondForm() if can_respond else None),
            "overdue_now": rectification.status != RectificationStatus.ACCEPTED
            and rectification.due_on < timezone.localdate(),
        },
    )


@unit_page()
def rectification_detail(request: UnitRequest, rectification_id: int) -> HttpResponse:
    return _rectification_page(request, _rectification(request, rectification_id))


@unit_page(Op.RESULTS_RESPOND)
@require_POST
def rectification_respond(request: UnitRequest, rectification_id: int) -> HttpResponse:
    """Store the evidence files as the unit's documents and answer, in one transaction."""
    rectification = _rectification(request, rectification_id)
    form = RespondForm(request.POST, request.FILES)

    def respond() -> Any:
        ids = [
            store_document(
                title=upload.name, content=upload, uploaded_by=signed_in_user(request)
            ).pk
            for upload in form.cleaned_data["files"]
        ]
        return services.respond_rectification(
            rectification,
            signed_in_user(request),
            form.cleaned_data["text"],
            ids,
        )

    if form.is_valid() and run_service(form, respond, {"evidence_ids": "files"}):
        messages.success(request, "整改情况已反馈，等待下达整改的上级院验收。")
        return redirect("ws:rectification-detail", rectification_id=rectification.pk)
    return _rectification_page(request, rectification, form)


def _item(request: UnitRequest, pk: int) -> FeedbackItem:
    found = selectors.feedback_item_of_unit(request.unit, pk)
    if found is None:
        raise Http404("没有该反馈。")
    return found


def _feedback_page(
    request: UnitRequest, item: FeedbackItem, form: AnswerForm | None = None
) -> HttpResponse:
    can_answer = request.unit_access.allows(Op.RESULTS_RESPOND)
    return render(
        request,
        "web/workspace/results/feedback.html",
        {
            "item": item,
            "figures": [
                (FIGURE_LABELS.get(key, key), value)
                for key, value in (item.figures or {}).items()
                if value is not None
            ],
            "form": form
            if form is not None
            else (AnswerForm(initial={"text": item.answer}) if can_answer else None),
            "can_answer": can_answer,
        },
    )


@unit_page()
def feedback_detail(request: UnitRequest, item_id: int) -> HttpResponse:
    return _feedback_page(request, _item(request, item_id))


@unit_page(Op.RESULTS_RESPOND)
@require_POST
def feedback_read(request: UnitRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    form = ActionForm({})
    form.is_valid()
    if run_service(form, lambda: services.mark_feedback_read(item, signed_in_user(request))):
        messages.success(request, "已签收。")
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect("ws:feedback-detail", item_id=item.pk)


@unit_page(Op.RESULTS_RESPOND)
@require_POST
def feedback_answer(request: UnitRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    form = AnswerForm(request.POST)
    if form.is_valid() and bool(
        run_service(
            form,
            lambda: services.answer_feedback(
                item, signed_in_user(request), form.cleaned_data["text"]
            ),
        )
    ):
        messages.success(request, "回复已提交。")
        return redirect("ws:feedback-detail", item_id=item.pk)
    return _feedback_page(request, item, form)
