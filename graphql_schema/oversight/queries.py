from __future__ import annotations

import graphene

from backend.accounts.policy import Op
from backend.oversight import models, selectors
from graphql_schema.core.permissions import in_province, require_console
from graphql_schema.oversight.types import GoalSubmission, ProvincePolicy


class OversightQueries(graphene.ObjectType):
    review_inbox = graphene.List(
        graphene.NonNull(GoalSubmission),
        required=True,
        fiscal_year=graphene.Int(),
        description="Goals awaiting the caller's review, across the units they review.",
    )
    goal_submissions = graphene.List(
        graphene.NonNull(GoalSubmission),
        required=True,
        status=graphene.String(),
        fiscal_year=graphene.Int(),
        description="Every goal of the units in the caller's reach (their subtrees).",
    )
    province_policy = graphene.Field(
        ProvincePolicy,
        province=graphene.String(required=True),
        description="The province's settings, the effective defaults when it set none (null "
        "only for a code that is not a province in the caller's reach).",
    )

    @staticmethod
    def resolve_review_inbox(
        root: None, info: graphene.ResolveInfo, fiscal_year: int | None = None
    ) -> list[models.GoalSubmission]:
        user = require_console(info, Op.REVIEW)
        return list(selectors.review_inbox(user, fiscal_year=fiscal_year).select_related("unit"))

    @staticmethod
    def resolve_goal_submissions(
        root: None,
        info: graphene.ResolveInfo,
        status: str | None = None,
        fiscal_year: int | None = None,
    ) -> list[models.GoalSubmission]:
        user = require_console(info, Op.CONSOLE_VIEW)
        rows = selectors.submissions_under(
            user, status=status.lower() if status else None, fiscal_year=fiscal_year
        )
        return list(rows.select_related("unit"))

    @staticmethod
    def resolve_province_policy(
        root: None, info: graphene.ResolveInfo, province: str
    ) -> models.ProvincePolicy | None:
        from tenants.models import Procuratorate, UnitLevel

        require_console(info, Op.CONSOLE_VIEW)
        unit = Procuratorate.objects.filter(code=province, level=UnitLevel.PROVINCE).first()
        if unit is None or not in_province(info, unit, Op.CONSOLE_VIEW):
            return None
        return selectors.policy_for(unit) or selectors.default_policy(unit)
