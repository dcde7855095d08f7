"""Projects and goals of the current unit. Each mutation names its operation of the role table
(``backend.accounts.policy``); the workflow services check the role each transition needs."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import graphene
from django.core.files.uploadedfile import UploadedFile

from backend.accounts.policy import Op
from backend.budgets import models as budgets
from backend.budgets import services as budget_services
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.documents.services import SHEET_TYPES
from backend.goals import models as goals
from backend.goals.services import drafting, workflow, xlsx
from backend.library.models import LibraryIndicator as LibraryIndicatorModel
from graphql_schema.core.errors import ApiErrorCode
from graphql_schema.core.ids import get_for_update
from graphql_schema.core.imports import (
    ImportPayload,
    changes_of,
    dry_run_argument,
    expected_digest_argument,
    warnings_of,
)
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_unit_access, require_unit_op
from graphql_schema.core.uploads import BASE64_DEPRECATION, Upload, uploaded_content
from graphql_schema.core.versioning import version_argument
from graphql_schema.goals.enums import (
    CategoryEnum,
    DecisionEnum,
    FundingSourceEnum,
    GradeEnum,
    ProjectKindEnum,
)
from graphql_schema.goals.types import (
    AdjustmentRequest,
    BudgetAdjustment,
    Expenditure,
    GoalIndicator,
    GoalReview,
    PerformanceGoal,
    Project,
)
from graphql_schema.indicators.fields import IndicatorInput, input_data


def _plain(data: Any) -> dict[str, Any]:
    return {k: getattr(v, "value", v) for k, v in data.items() if v is not None}


class ProjectInput(graphene.InputObjectType):
    code = graphene.String()
    name = graphene.String()
    category = CategoryEnum()
    kind = ProjectKindEnum()
    fiscal_year = graphene.Int()
    department = graphene.String()
    person_in_charge = graphene.String()
    funding_source = FundingSourceEnum()
    initial_budget = graphene.Decimal(description="年初预算数（元）")


class CreateProject(BaseMutation):
    project = graphene.Field(Project)

    class Arguments:
        input = ProjectInput(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, input: ProjectInput) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.PROJECT_EDIT)
        data = _plain(input)
        missing = [
            f
            for f in ("code", "name", "category", "kind", "fiscal_year", "initial_budget")
            if f not in data
        ]
        if missing:
            raise DomainError(
                *[Problem(CoreErrorCode.REQUIRED, "必填。", field) for field in missing]
            )
        return {"project": budget_services.create_project(user=user, **data)}


class UpdateProject(BaseMutation):
    project = graphene.Field(Project)

    class Arguments:
        id = graphene.ID(required=True)
        input = ProjectInput(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, input: ProjectInput
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.PROJECT_EDIT)
        project = get_for_update(budgets.Project, id, "Project")
        return {"project": budget_services.update_project(project, _plain(input), user=user)}


class AddBudgetAdjustment(BaseMutation):
    """追加/追减预算: the full-year budget follows."""

    adjustment = graphene.Field(BudgetAdjustment)
    project = graphene.Field(Project)

    class Arguments:
        project_id = graphene.ID(required=True)
        date = graphene.Date(required=True)
        amount = graphene.Decimal(required=True, description="元；追减为负")
        reason = graphene.String(required=True)

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        project_id: str,
        date: datetime.date,
        amount: Decimal,
        reason: str,
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.PROJECT_EDIT)
        project = get_for_update(budgets.Project, project_id, "Project", "projectId")
        adjustment = budget_services.add_adjustment(
            project, date=date, amount=amount, reason=reason, user=user
        )
        project.refresh_from_db()
        return {"adjustment": adjustment, "project": project}


class RecordExpenditure(BaseMutation):
    expenditure = graphene.Field(Expenditure)

    class Arguments:
        project_id = graphene.ID(required=True)
        date = graphene.Date(required=True)
        amount = graphene.Decimal(required=True)
        description = graphene.String()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        project_id: str,
        date: datetime.date,
        amount: Decimal,
        description: str = "",
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.PROJECT_EDIT)
        project = get_for_update(budgets.Project, project_id, "Project", "projectId")
        expenditure = budget_services.record_expenditure(
            project, date=date, amount=amount, description=description, user=user
        )
        return {"expenditure": expenditure}


class SetMonthlySpending(BaseMutation):
    """A month's spending total, when payments are not recorded one by one."""

    expenditure = graphene.Field(Expenditure)

    class Arguments:
        project_id = graphene.ID(required=True)
        month = graphene.Int(required=True)
        amount = graphene.Decimal(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, project_id: str, month: int, amount: Decimal
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.PROJECT_EDIT)
        project = get_for_update(budgets.Project, project_id, "Project", "projectId")
        expenditure = budget_services.set_monthly_spending(
            project, month=month, amount=amount, user=user
        )
        return {"expenditure": expenditure}


class CreateGoal(BaseMutation):
    """Declare the project's goal; the template's mandatory indicators come with it."""

    goal = graphene.Field(PerformanceGoal)

    class Arguments:
        project_id = graphene.ID(required=True)
        overall_goal = graphene.String(required=True)
        midterm_goal = graphene.String()
        template_code = graphene.String()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        project_id: str,
        overall_goal: str,
        midterm_goal: str = "",
        template_code: str | None = None,
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.GOAL_PREPARE)
        project = get_for_update(budgets.Project, project_id, "Project", "projectId")
        goal = drafting.create_goal(
            project,
            overall_goal=overall_goal,
            midterm_goal=midterm_goal or "",
            template_code=template_code,
            user=user,
        )
        return {"goal": goal}


class UpdateGoal(BaseMutation):
    goal = graphene.Field(PerformanceGoal)
    stale_field = "goal"

    class Arguments:
        id = graphene.ID(required=True)
        overall_goal = graphene.String()
        midterm_goal = graphene.String()
        version = version_argument()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        version: int | None = None,
        **data: Any,
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.GOAL_PREPARE)
        goal = get_for_update(goals.PerformanceGoal, id, "PerformanceGoal")
        return {
            "goal": drafting.update_goal(goal, _plain(data), user=user, expected_version=version)
        }


class AddGoalIndicator(BaseMutation):
    """From the unit's library (libraryIndicatorId) or written for this goal alone (input).
    ``goal`` is the goal after the change (its new ``version``)."""

    indicator = graphene.Field(GoalIndicator)
    goal = graphene.Field(PerformanceGoal)
    stale_field = "goal"

    class Arguments:
        goal_id = graphene.ID(required=True)
        library_indicator_id = graphene.ID()
        input = IndicatorInput()
        version = version_argument()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        goal_id: str,
        library_indicator_id: str | None = None,
        input: IndicatorInput | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.GOAL_PREPARE)
        goal = get_for_update(goals.PerformanceGoal, goal_id, "PerformanceGoal", "goalId")
        if library_indicator_id is not None and input is None:
            source = get_for_update(
                LibraryIndicatorModel,
                library_indicator_id,
                "LibraryIndicator",
                "libraryIndicatorId",
            )
            indicator = drafting.add_library_indicator(
                goal, source, user=user, expected_version=version
            )
        elif input is not None and library_indicator_id is None:
            indicator = drafting.add_goal_indicator(
                goal, input_data(input), user=user, expected_version=version
            )
        else:
            raise DomainError.single(
                ApiErrorCode.INVALID_INPUT,
                "请二选一：libraryIndicatorId 或 input。",
                "libraryIndicatorId",
            )
        return {"indicator": indicator, "goal": indicator.goal}


class UpdateGoalIndicator(BaseMutation):
    """``version`` is the goal's: an indicator is part of the goal's form. ``goal`` is the goal
    after the change."""

    indicator = graphene.Field(GoalIndicator)
    goal = graphene.Field(PerformanceGoal)
    stale_field = "goal"

    class Arguments:
        id = graphene.ID(required=True)
        input = IndicatorInput(required=True)
        version = version_argument()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        input: IndicatorInput,
        version: int | None = None,
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.GOAL_PREPARE)
        indicator = get_for_update(goals.GoalIndicator, id, "GoalIndicator")
        indicator = drafting.update_goal_indicator(
            indicator, input_data(input), user=user, expected_version=version
        )
        return {"indicator": indicator, "goal": indicator.goal}


class RemoveGoalIndicator(BaseMutation):
    removed_id = graphene.ID()

    goal = graphene.Field(PerformanceGoal)
    stale_field = "goal"

    class Arguments:
        id = graphene.ID(required=True)
        version = version_argument()

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, version: int | None = None
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.GOAL_PREPARE)
        goal = drafting.remove_goal_indicator(
            get_for_update(goals.GoalIndicator, id, "GoalIndicator"),
            user=user,
            expected_version=version,
        )
        return {"removed_id": id, "goal": goal}


class ImportGoalForm(ImportPayload, BaseMutation):
    """Create or update the project's draft goal from a filled 绩效目标申报表 (XLSX). With
    `dryRun: true` nothing is written: `changes` lists what the import would change cell by
    cell, `importWarnings` how cells were read and what the goal would still lack at
    submission, `digest` names the changes for `expectedDigest`."""

    goal = graphene.Field(PerformanceGoal)
    stale_field = "goal"

    class Arguments:
        project_id = graphene.ID(required=True)
        version = version_argument()
        file = Upload(description="The filled sheet (XLSX), by the multipart request spec.")
        file_base64 = graphene.String(deprecation_reason=BASE64_DEPRECATION)
        dry_run = dry_run_argument()
        expected_digest = expected_digest_argument()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        project_id: str,
        file: UploadedFile | None = None,
        file_base64: str | None = None,
        version: int | None = None,
        dry_run: bool = False,
        expected_digest: str | None = None,
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.GOAL_PREPARE)
        project = get_for_update(budgets.Project, project_id, "Project", "projectId")
        content = uploaded_content(
            file=file, file_base64=file_base64, allowed=SHEET_TYPES, name="绩效目标申报表.xlsx"
        )
        preview = xlsx.preview_import(project, content)
        answer = {
            "changes": changes_of(preview.changes),
            "import_warnings": warnings_of([*preview.warnings, *preview.errors]),
            "digest": preview.digest,
            "dry_run": bool(dry_run),
        }
        if dry_run:
            return {**answer, "goal": preview.goal}
        goal = xlsx.import_goal(
            project,
            content,
            user=user,
            expected=expected_digest or preview.digest,
            expected_version=version,
        )
        return {**answer, "goal": goal}


class SubmitGoal(BaseMutation):
    """Submit for review (unit_finance). Blocking problems come back as errors, each naming its
    indicator; warnings are kept on the goal for the reviewer."""

    goal = graphene.Field(PerformanceGoal)
    stale_field = "goal"

    class Arguments:
        id = graphene.ID(required=True)
        version = version_argument()

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, version: int | None = None
    ) -> dict[str, Any]:
        require_unit_access(info, Op.GOAL_SUBMIT)
        goal = get_for_update(goals.PerformanceGoal, id, "PerformanceGoal")
        return {"goal": workflow.submit(goal, user=info.context.user, expected_version=version)}


class WithdrawGoal(BaseMutation):
    """Take a submitted goal back to draft before the unit leader has reviewed it
    (unit_finance)."""

    goal = graphene.Field(PerformanceGoal)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, id: str) -> dict[str, Any]:
        require_unit_access(info)
        goal = get_for_update(goals.PerformanceGoal, id, "PerformanceGoal")
        return {"goal": workflow.withdraw(goal, user=info.context.user)}


class IndicatorCommentInput(graphene.InputObjectType):
    indicator_code = graphene.String(required=True)
    comment = graphene.String(required=True)


class ReviewGoal(BaseMutation):
    """Approve (优/良), return (中, with comments per indicator) or reject (差)."""

    review = graphene.Field(GoalReview)
    goal = graphene.Field(PerformanceGoal)
    stale_field = "goal"

    class Arguments:
        id = graphene.ID(required=True)
        decision = DecisionEnum(required=True)
        grade = GradeEnum(
            description="Required when decision is APPROVE (EXCELLENT or GOOD) or REJECT (POOR): "
            "GRADE_REQUIRED; optional for RETURN."
        )
        comment = graphene.String(
            description="Required when decision is RETURN, unless indicatorComments carry one: "
            "COMMENT_REQUIRED."
        )
        indicator_comments = graphene.List(graphene.NonNull(IndicatorCommentInput))
        version = version_argument()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        decision: goals.Decision,
        grade: goals.Grade | None = None,
        comment: str = "",
        indicator_comments: list[IndicatorCommentInput] | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        require_unit_access(info)
        goal = get_for_update(goals.PerformanceGoal, id, "PerformanceGoal")
        review = workflow.review(
            goal,
            user=info.context.user,
            decision=getattr(decision, "value", decision),
            grade=getattr(grade, "value", grade),
            comment=comment or "",
            indicator_comments={c.indicator_code: c.comment for c in indicator_comments or []},
            expected_version=version,
        )
        goal.refresh_from_db()
        return {"review": review, "goal": goal}


class HandGoalApproval(BaseMutation):
    """The leader who declared a goal hands its unit-stage approval to another leader of the
    unit (no self-approval: the declaring leader's own review is refused with
    SELF_APPROVAL)."""

    goal = graphene.Field(PerformanceGoal)
    stale_field = "goal"

    class Arguments:
        id = graphene.ID(required=True)
        approver = graphene.String(required=True, description="the other leader's username")

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, approver: str
    ) -> dict[str, Any]:
        from backend.accounts.models import User

        require_unit_access(info, Op.GOAL_APPROVE)
        goal = get_for_update(goals.PerformanceGoal, id, "PerformanceGoal")
        to = User.objects.filter(username=(approver or "").strip(), is_active=True).first()
        if to is None:
            raise DomainError.single(CoreErrorCode.NOT_FOUND, f"没有用户“{approver}”。", "approver")
        goal = workflow.hand_approval(goal, user=info.context.user, to=to)
        return {"goal": goal}


class ChangeInput(graphene.InputObjectType):
    indicator_code = graphene.String(required=True)
    field = graphene.String(required=True, description="target_value, target_text, weight or unit")
    after = graphene.String(required=True)


class RequestGoalAdjustment(BaseMutation):
    """Ask to change an approved goal's targets, with a reason (reviewed like the goal)."""

    adjustment = graphene.Field(AdjustmentRequest)

    class Arguments:
        goal_id = graphene.ID(required=True)
        reason = graphene.String(required=True)
        changes = graphene.List(graphene.NonNull(ChangeInput), required=True)

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        goal_id: str,
        reason: str,
        changes: list[ChangeInput],
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.GOAL_SUBMIT)
        goal = get_for_update(goals.PerformanceGoal, goal_id, "PerformanceGoal", "goalId")
        adjustment = workflow.request_adjustment(
            goal,
            reason=reason,
            user=user,
            changes=[
                {"indicator": c.indicator_code, "field": c.field, "after": c.after} for c in changes
            ],
        )
        return {"adjustment": adjustment}


class SubmitGoalAdjustment(BaseMutation):
    adjustment = graphene.Field(AdjustmentRequest)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, id: str) -> dict[str, Any]:
        require_unit_access(info, Op.GOAL_SUBMIT)
        adjustment = get_for_update(goals.AdjustmentRequest, id, "AdjustmentRequest")
        return {"adjustment": workflow.submit_adjustment(adjustment, user=info.context.user)}


class ReviewGoalAdjustment(BaseMutation):
    adjustment = graphene.Field(AdjustmentRequest)

    class Arguments:
        id = graphene.ID(required=True)
        decision = DecisionEnum(required=True)
        comment = graphene.String(description="Required when decision is RETURN: COMMENT_REQUIRED.")

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        decision: goals.Decision,
        comment: str = "",
    ) -> dict[str, Any]:
        require_unit_access(info)
        adjustment = get_for_update(goals.AdjustmentRequest, id, "AdjustmentRequest")
        workflow.review_adjustment(
            adjustment,
            user=info.context.user,
            decision=getattr(decision, "value", decision),
            comment=comment or "",
        )
        adjustment.refresh_from_db()
        return {"adjustment": adjustment}


class GoalMutations(graphene.ObjectType):
    create_project = CreateProject.Field()
    update_project = UpdateProject.Field()
    add_budget_adjustment = AddBudgetAdjustment.Field()
    record_expenditure = RecordExpenditure.Field()
    set_monthly_spending = SetMonthlySpending.Field()
    create_goal = CreateGoal.Field()
    update_goal = UpdateGoal.Field()
    add_goal_indicator = AddGoalIndicator.Field()
    update_goal_indicator = UpdateGoalIndicator.Field()
    remove_goal_indicator = RemoveGoalIndicator.Field()
    import_goal_form = ImportGoalForm.Field()
    submit_goal = SubmitGoal.Field()
    withdraw_goal = WithdrawGoal.Field()
    review_goal = ReviewGoal.Field()
    hand_goal_approval = HandGoalApproval.Field()
    request_goal_adjustment = RequestGoalAdjustment.Field()
    submit_goal_adjustment = SubmitGoalAdjustment.Field()
    review_goal_adjustment = ReviewGoalAdjustment.Field()
