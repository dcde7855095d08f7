import graphene

from backend.indicators import models

ValueTypeEnum = graphene.Enum.from_enum(models.ValueType, description="指标性质")
DirectionEnum = graphene.Enum.from_enum(models.Direction, description="运算符 ≥ ≤ =")
PolarityEnum = graphene.Enum.from_enum(models.Polarity, description="指标方向")
ScoringMethodEnum = graphene.Enum.from_enum(models.ScoringMethod, description="评分方法")
TargetBasisEnum = graphene.Enum.from_enum(models.TargetBasis, description="目标值依据")
LayoutEnum = graphene.Enum.from_enum(models.Layout, description="计分结构")
TemplateScopeEnum = graphene.Enum.from_enum(
    models.Scope, name="TemplateScope", description="适用对象：项目支出或部门整体支出"
)
VersionStatusEnum = graphene.Enum.from_enum(models.VersionStatus, description="版本状态")
PushStatusEnum = graphene.Enum.from_enum(models.PushStatus, description="推送状态")
