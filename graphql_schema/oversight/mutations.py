from __future__ import annotations

from typing import Any

import graphene

from backend.accounts.policy import Op
from backend.core.errors import CoreErrorCode, DomainError
from backend.oversight import services
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import console_access_of, require_console
from graphql_schema.oversight.types import DepartmentWeightsInput, ProvincePolicy
from tenants.models import Procuratorate, UnitLevel


class SetProvincePolicy(BaseMutation):
    """Province settings (province_admin): e.g. whether goals need the city's review."""

    policy = graphene.Field(ProvincePolicy)

    class Arguments:
        province = graphene.String(required=True, description="the province unit's code")
        require_city_review = graphene.Boolean(required=True)
        department_weights = graphene.Argument(
            DepartmentWeightsInput,
            description="投入/过程/产出/效果 of the department-wide evaluation (together 100); "
            "unchanged when omitted",
        )

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        province: str,
        require_city_review: bool,
        department_weights: DepartmentWeightsInput | None = None,
    ) -> dict[str, Any]:
        user = require_console(info, Op.POLICY_MANAGE)
        unit = Procuratorate.objects.filter(code=province, level=UnitLevel.PROVINCE).first()
        if unit is None or not console_access_of(info).at(Op.POLICY_MANAGE, unit):
            raise DomainError.single(CoreErrorCode.NOT_FOUND, "省院不存在或无权设置。", "province")
        policy = services.set_policy(
            unit,
            require_city_review=require_city_review,
            user=user,
            department_weights=dict(department_weights) if department_weights else None,
        )
        return {"policy": policy}


class OversightMutations(graphene.ObjectType):
    set_province_policy = SetProvincePolicy.Field()
