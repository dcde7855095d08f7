"""导入自评表: a filled 项目支出绩效自评表 (XLSX) into a draft self-evaluation. The upload
is checked (type, size), then dry-run (``xlsx.preview_import``: nothing written; the page
lists every change cell → field, old → new, the warnings, the total and grade it would
give); 确认导入 applies it (``xlsx.import_self_evaluation`` with the dry run's digest, the
same service and check as the ``importSelfEvaluationTable`` mutation) in one transaction.
Also the table to fill, downloaded (导出自评表). docs/imports.md."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backend.accounts.policy import Op
from backend.core.errors import DomainError, Problem
from backend.evaluation import xlsx
from backend.evaluation.models import EvaluationStatus, SelfEvaluation
from backend.web import imports
from backend.web.access import unit_page
from backend.web.imports import ApplyImportForm, SheetUploadForm
from backend.web.requests import UnitRequest
from backend.web.workspace.evaluation.views import evaluation_or_404

STASH_KEY = "evaluation-import-{pk}"


class EvaluationUploadForm(SheetUploadForm):
    sheet = "项目支出绩效自评表"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "上传已填写的自评表"


def _key(evaluation: SelfEvaluation) -> str:
    return STASH_KEY.format(pk=evaluation.pk)


def _ref(address: str) -> str:
    """``D4`` of ``项目支出绩效自评表!D4`` (the page names the sheet once); "" for no cell."""
    return address.rpartition("!")[2] if "!" in address else ""


def _cells(problems: Iterable[Problem]) -> list[tuple[str, str]]:
    """(cell, message) of each problem; the cell blank when the problem names none."""
    return [(_ref(problem.field or ""), problem.message) for problem in problems]


def _page(request: HttpRequest, evaluation: SelfEvaluation, **extra: Any) -> HttpResponse:
    context = {
        "sheet": evaluation,
        "editable": evaluation.status == EvaluationStatus.DRAFT,
        "form": EvaluationUploadForm(),
        **extra,
    }
    return render(request, "web/workspace/evaluation/import.html", context)


@unit_page(Op.EVALUATION_PREPARE)
def evaluation_import(request: UnitRequest, evaluation_id: int) -> HttpResponse:
    """GET: the upload form. POST: the dry run of the uploaded table (nothing written)."""
    evaluation = evaluation_or_404(evaluation_id)
    if request.method != "POST":
        return _page(request, evaluation)
    form = EvaluationUploadForm(request.POST, request.FILES)
    if form.is_valid():
        content = form.cleaned_data["file"].read()
        try:
            preview = xlsx.preview_import(evaluation, content)  # writes nothing
        except DomainError as error:
            return _page(request, evaluation, form=form, errors=_cells(error.problems))
        imports.stash(request, _key(evaluation), content, preview.digest)
        return _page(
            request,
            evaluation,
            preview=preview,
            changes=[(_ref(change.cell), change) for change in preview.changes],
            warnings=_cells(preview.warnings),
            apply_form=ApplyImportForm(initial={"digest": preview.digest}),
            file_name=form.cleaned_data["file"].name,
        )
    return _page(request, evaluation, form=form)


@unit_page(Op.EVALUATION_PREPARE)
@require_POST
def evaluation_import_apply(request: UnitRequest, evaluation_id: int) -> HttpResponse:
    """Apply the confirmed upload in one transaction, only if it still changes what was
    shown (the digest); otherwise nothing is written and the page says why."""
    evaluation = evaluation_or_404(evaluation_id)
    form = ApplyImportForm(request.POST)
    content = imports.stashed(request, _key(evaluation))
    if not form.is_valid() or content is None:
        messages.error(request, "没有待导入的自评表（可能已导入或已过期），请重新上传。")
        return redirect("ws:evaluation-import", evaluation_id=evaluation.pk)
    try:
        with transaction.atomic():
            xlsx.import_self_evaluation(
                evaluation, content, request.user, expected=form.cleaned_data["digest"]
            )
    except DomainError as error:
        return _page(request, evaluation_or_404(evaluation_id), errors=_cells(error.problems))
    imports.drop_stash(request, _key(evaluation))
    messages.success(request, "已按上传的自评表更新自评，得分已按评分规则重新计算。")
    return redirect(reverse("ws:evaluation-detail", kwargs={"evaluation_id": evaluation.pk}))


@unit_page()
def evaluation_export(request: UnitRequest, evaluation_id: int) -> HttpResponse:
    """The self-evaluation as a 项目支出绩效自评表 to fill in Excel and upload again."""
    evaluation = evaluation_or_404(evaluation_id)
    name = f"项目支出绩效自评表-{evaluation.project.code}-{evaluation.fiscal_year}.xlsx"
    return imports.xlsx_download(xlsx.export_self_evaluation(evaluation), name)
