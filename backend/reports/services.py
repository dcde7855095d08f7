"""Generating reports: render, then store as a ``documents.Document`` in the current unit's
storage prefix (S3 when configured). Call inside the unit's schema. Generating writes one of the
unit's documents: ``Op.REPORT_GENERATE``, the unit's own finance or leader (a reviewer above
reads the unit's documents, it does not add to them)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from backend.accounts import policy as role_table
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.core.errors import CoreErrorCode, DomainError
from backend.documents.models import Document
from backend.documents.services import store_document
from backend.evaluation.models import DepartmentEvaluation, SelfEvaluation
from backend.reports import pdf, selectors
from tenants.models import Procuratorate

TITLE_MAX = 200


def _store(title: str, content: bytes, user: User | None) -> Document:
    return store_document(
        title=title[:TITLE_MAX],
        content=ContentFile(content, name="report.pdf"),
        uploaded_by=user,
    )


@transaction.atomic
def generate_self_evaluation_report(
    *, evaluation: SelfEvaluation, unit: Procuratorate, user: User
) -> Document:
    """Render the project self-evaluation report (项目支出绩效自评报告) of ``evaluation`` as it
    stands (any status; the status is printed) and store it as a document of the unit."""
    role_table.require(user, Op.REPORT_GENERATE, unit)
    report = selectors.project_report(evaluation, unit_name=unit.name, today=timezone.localdate())
    title = f"{report.fiscal_year}年度项目支出绩效自评报告-{report.project_name}.pdf"
    return _store(title, pdf.project_report_pdf(report), user)


@transaction.atomic
def generate_department_report(*, fiscal_year: int, unit: Procuratorate, user: User) -> Document:
    """Render the unit report (部门整体支出绩效自评报告) of ``fiscal_year`` and store it as a
    document of the unit. ``NOT_FOUND`` when the unit has no department evaluation that year."""
    role_table.require(user, Op.REPORT_GENERATE, unit)
    department = DepartmentEvaluation.objects.filter(fiscal_year=fiscal_year).first()
    if department is None:
        raise DomainError.single(
            CoreErrorCode.NOT_FOUND, f"{fiscal_year} 年度尚未建立部门整体自评。", "fiscalYear"
        )
    report = selectors.unit_report(department, unit_name=unit.name, today=timezone.localdate())
    title = f"{fiscal_year}年度部门整体支出绩效自评报告-{unit.name}.pdf"
    return _store(title, pdf.unit_report_pdf(report), user)
