import graphene

from backend.budgets import models as budgets
from backend.goals import models as goals

CategoryEnum = graphene.Enum.from_enum(budgets.Category, description="支出类别")
ProjectKindEnum = graphene.Enum.from_enum(budgets.ProjectKind, description="项目类型")
FundingSourceEnum = graphene.Enum.from_enum(budgets.FundingSource, description="资金来源")
GoalStatusEnum = graphene.Enum.from_enum(goals.GoalStatus, description="目标状态")
GradeEnum = graphene.Enum.from_enum(goals.Grade, description="审核等级 优/良/中/差")
DecisionEnum = graphene.Enum.from_enum(goals.Decision, description="审核结论")
ReviewStageEnum = graphene.Enum.from_enum(goals.ReviewStage, description="审核环节")
IndicatorSourceEnum = graphene.Enum.from_enum(goals.IndicatorSource, description="指标来源")
AdjustmentStatusEnum = graphene.Enum.from_enum(goals.AdjustmentStatus, description="调整申请状态")
