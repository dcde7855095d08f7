"""Who may call each root field of the two GraphQL schemas: one map per schema, field →
the operation of the role table (``backend.accounts.policy``) it performs, enforced by
``RootFieldGate`` before any resolver runs.

- Deny by default: a root field missing from the map is refused (``PERMISSION_DENIED``), and
  ``tests/graphql/test_reach.py`` fails while the map and the schema differ.
- On a unit's host the operation is checked with ``policy.unit_access`` against the host's
  unit; on the public host with ``policy.console_access``.
- A tuple of operations admits a caller allowed any one of them (the goal review: the unit
  leader's or the city's stage; key evaluations: a manager's or an evaluator's reading); the
  service then checks which one applies.
- ``Open.ANYONE`` (log-in) and ``Open.SIGNED_IN`` (the caller's own account, the provincial
  indicator library, the registry of the units the caller may open) name no unit's data.

The resolvers and services keep their finer checks (the city review is for the county's own
city, an evaluator scores only its own assignments, a reader lists only its subtree), each
asking the role table with the right operation. ``docs/access.md`` is written from this map and
the role table by ``make schema``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from graphene import ResolveInfo

from backend.accounts import policy
from backend.accounts.policy import Op
from graphql_schema.core.errors import Forbidden, Unauthenticated
from graphql_schema.core.permissions import console_access_of, current_unit, unit_access_of


class Open(StrEnum):
    ANYONE = "anyone"  # no log-in needed
    SIGNED_IN = "signed in"  # any signed-in user


Rule = Op | tuple[Op, ...] | Open

GOAL_REVIEW = (Op.GOAL_APPROVE, Op.GOAL_CITY_REVIEW)
KEY_EVALUATION_READ = (Op.KEY_EVALUATION_MANAGE, Op.KEY_EVALUATION_SCORE)

# --- a unit's host (graphql_schema/tenant.py) ---------------------------------------------------
TENANT: dict[str, Rule] = {
    "Query.me": Open.SIGNED_IN,
    "Query.unit": Op.UNIT_VIEW,
    "Query.library": Op.UNIT_VIEW,
    "Query.projects": Op.UNIT_VIEW,
    "Query.project": Op.UNIT_VIEW,
    "Query.goal": Op.UNIT_VIEW,
    "Query.monitoringRounds": Op.UNIT_VIEW,
    "Query.monitoringEntries": Op.UNIT_VIEW,
    "Query.alerts": Op.UNIT_VIEW,
    "Query.executionCurve": Op.UNIT_VIEW,
    "Query.executionChartUrl": Op.UNIT_VIEW,
    "Query.selfEvaluations": Op.UNIT_VIEW,
    "Query.selfEvaluation": Op.UNIT_VIEW,
    "Query.departmentEvaluation": Op.UNIT_VIEW,
    "Query.rectifications": Op.UNIT_VIEW,
    "Query.rectification": Op.UNIT_VIEW,
    "Query.feedbackItems": Op.UNIT_VIEW,
    "Query.budgetLinkages": Op.UNIT_VIEW,
    "Query.keyEvaluations": Op.UNIT_VIEW,
    "Query.myBenchmark": Op.UNIT_VIEW,
    "Query.myTrend": Op.UNIT_VIEW,
    "Query.documents": Op.UNIT_VIEW,
    "Query.myTasks": Op.UNIT_VIEW,
    "Mutation.login": Open.ANYONE,
    "Mutation.revokeToken": Open.SIGNED_IN,
    "Mutation.addLocalIndicator": Op.LIBRARY_EDIT,
    "Mutation.updateLibraryIndicator": Op.LIBRARY_EDIT,
    "Mutation.resolveMergeConflict": Op.LIBRARY_EDIT,
    "Mutation.createProject": Op.PROJECT_EDIT,
    "Mutation.updateProject": Op.PROJECT_EDIT,
    "Mutation.addBudgetAdjustment": Op.PROJECT_EDIT,
    "Mutation.recordExpenditure": Op.PROJECT_EDIT,
    "Mutation.setMonthlySpending": Op.PROJECT_EDIT,
    "Mutation.createGoal": Op.GOAL_PREPARE,
    "Mutation.updateGoal": Op.GOAL_PREPARE,
    "Mutation.addGoalIndicator": Op.GOAL_PREPARE,
    "Mutation.updateGoalIndicator": Op.GOAL_PREPARE,
    "Mutation.removeGoalIndicator": Op.GOAL_PREPARE,
    "Mutation.importGoalForm": Op.GOAL_PREPARE,
    "Mutation.submitGoal": Op.GOAL_SUBMIT,
    "Mutation.withdrawGoal": Op.GOAL_SUBMIT,
    "Mutation.requestGoalAdjustment": Op.GOAL_SUBMIT,
    "Mutation.submitGoalAdjustment": Op.GOAL_SUBMIT,
    "Mutation.reviewGoal": GOAL_REVIEW,
    "Mutation.handGoalApproval": Op.GOAL_APPROVE,
    "Mutation.reviewGoalAdjustment": GOAL_REVIEW,
    "Mutation.startMonitoringEntry": Op.MONITORING_ENTER,
    "Mutation.recordMonitoringEntry": Op.MONITORING_ENTER,
    "Mutation.submitMonitoringEntry": Op.MONITORING_ENTER,
    "Mutation.answerAlert": Op.ALERT_ANSWER,
    "Mutation.startSelfEvaluation": Op.EVALUATION_PREPARE,
    "Mutation.recordSelfEvaluation": Op.EVALUATION_PREPARE,
    "Mutation.importSelfEvaluationTable": Op.EVALUATION_PREPARE,
    "Mutation.submitSelfEvaluation": Op.EVALUATION_PREPARE,
    "Mutation.returnSelfEvaluation": Op.EVALUATION_FINALISE,
    "Mutation.finaliseSelfEvaluation": Op.EVALUATION_FINALISE,
    "Mutation.startDepartmentEvaluation": Op.EVALUATION_PREPARE,
    "Mutation.recordDepartmentEvaluation": Op.EVALUATION_PREPARE,
    "Mutation.submitDepartmentEvaluation": Op.EVALUATION_PREPARE,
    "Mutation.returnDepartmentEvaluation": Op.EVALUATION_FINALISE,
    "Mutation.finaliseDepartmentEvaluation": Op.EVALUATION_FINALISE,
    "Mutation.uploadDocument": Op.DOCUMENT_UPLOAD,
    "Mutation.generateSelfEvaluationReport": Op.REPORT_GENERATE,
    "Mutation.generateDepartmentReport": Op.REPORT_GENERATE,
    "Mutation.respondRectification": Op.RESULTS_RESPOND,
    "Mutation.markFeedbackRead": Op.RESULTS_RESPOND,
    "Mutation.answerFeedback": Op.RESULTS_RESPOND,
}

# --- the public host (graphql_schema/public.py) -------------------------------------------------
PUBLIC: dict[str, Rule] = {
    "Query.me": Open.SIGNED_IN,
    # The registry: the units whose host the caller may open (policy.units_allowing).
    "Query.units": Open.SIGNED_IN,
    "Query.unit": Open.SIGNED_IN,
    # The provincial indicator library: no unit's data.
    "Query.templates": Open.SIGNED_IN,
    "Query.template": Open.SIGNED_IN,
    "Query.templateVersion": Open.SIGNED_IN,
    "Query.templatePushes": Op.TEMPLATE_MANAGE,
    "Query.templatePush": Op.TEMPLATE_MANAGE,
    "Query.provincePolicy": Op.CONSOLE_VIEW,
    "Query.resultsPolicy": Op.CONSOLE_VIEW,
    "Query.keyEvaluationPolicy": Op.KEY_EVALUATION_MANAGE,
    "Query.reviewInbox": Op.REVIEW,
    "Query.goalSubmissions": Op.CONSOLE_VIEW,
    "Query.alertsAcrossUnits": Op.CONSOLE_VIEW,
    "Query.executionFacts": Op.CONSOLE_VIEW,
    "Query.evaluationResults": Op.CONSOLE_VIEW,
    "Query.unitEvaluationResults": Op.CONSOLE_VIEW,
    "Query.rectifications": Op.CONSOLE_VIEW,
    "Query.rectification": Op.CONSOLE_VIEW,
    "Query.suggestedRectifications": Op.CONSOLE_VIEW,
    "Query.budgetLinkages": Op.CONSOLE_VIEW,
    "Query.feedbackBatches": Op.CONSOLE_VIEW,
    "Query.feedbackBatch": Op.CONSOLE_VIEW,
    "Query.benchmarkMetrics": Op.BENCHMARK_VIEW,
    "Query.benchmark": Op.BENCHMARK_VIEW,
    "Query.trend": Op.BENCHMARK_VIEW,
    "Query.weaknesses": Op.BENCHMARK_VIEW,
    "Query.peerGroups": Op.BENCHMARK_VIEW,
    "Query.unitStatistics": Op.BENCHMARK_VIEW,
    "Query.unitStatisticsXlsxBase64": Op.STATISTICS_MANAGE,
    "Query.keyEvaluations": KEY_EVALUATION_READ,
    "Query.keyEvaluation": KEY_EVALUATION_READ,
    "Query.myKeyEvaluationAssignments": Op.KEY_EVALUATION_SCORE,
    "Query.samplingDraws": Op.KEY_EVALUATION_MANAGE,
    "Query.keyEvaluators": Op.KEY_EVALUATION_MANAGE,
    "Mutation.login": Open.ANYONE,
    "Mutation.revokeToken": Open.SIGNED_IN,
    "Mutation.createTemplate": Op.TEMPLATE_MANAGE,
    "Mutation.draftTemplateVersion": Op.TEMPLATE_MANAGE,
    "Mutation.addTemplateIndicator": Op.TEMPLATE_MANAGE,
    "Mutation.updateTemplateIndicator": Op.TEMPLATE_MANAGE,
    "Mutation.removeTemplateIndicator": Op.TEMPLATE_MANAGE,
    "Mutation.publishTemplateVersion": Op.TEMPLATE_MANAGE,
    "Mutation.retireTemplateVersion": Op.TEMPLATE_MANAGE,
    "Mutation.importTemplateVersion": Op.TEMPLATE_MANAGE,
    "Mutation.pushTemplate": Op.TEMPLATE_MANAGE,
    "Mutation.retryPushTarget": Op.TEMPLATE_MANAGE,
    "Mutation.rerunPush": Op.TEMPLATE_MANAGE,
    "Mutation.setProvincePolicy": Op.POLICY_MANAGE,
    "Mutation.setMonitoringPolicy": Op.POLICY_MANAGE,
    "Mutation.openMonitoringRound": Op.POLICY_MANAGE,
    "Mutation.setResultsPolicy": Op.POLICY_MANAGE,
    "Mutation.setKeyEvaluationPolicy": Op.POLICY_MANAGE,
    "Mutation.openRectification": Op.FEEDBACK_SEND,
    "Mutation.issueFeedback": Op.FEEDBACK_SEND,
    "Mutation.acceptRectification": Op.REVIEW,
    "Mutation.rejectRectification": Op.REVIEW,
    "Mutation.decideBudgetLinkage": Op.LINKAGE_DECIDE,
    "Mutation.selectForKeyEvaluation": Op.KEY_EVALUATION_MANAGE,
    "Mutation.assignEvaluators": Op.KEY_EVALUATION_MANAGE,
    "Mutation.finaliseKeyEvaluation": Op.KEY_EVALUATION_MANAGE,
    "Mutation.drawSample": Op.KEY_EVALUATION_MANAGE,
    "Mutation.recordEvaluatorScores": Op.KEY_EVALUATION_SCORE,
    "Mutation.submitEvaluatorScores": Op.KEY_EVALUATION_SCORE,
    "Mutation.importUnitStatistics": Op.STATISTICS_MANAGE,
    "Mutation.setUnitStatistics": Op.STATISTICS_MANAGE,
    "Mutation.definePeerGroup": Op.STATISTICS_MANAGE,
    "Mutation.deletePeerGroup": Op.STATISTICS_MANAGE,
}


def ops_of(rule: Rule) -> tuple[Op, ...]:
    """The operations a rule admits on (none for an open rule)."""
    if isinstance(rule, Open):
        return ()
    return rule if isinstance(rule, tuple) else (rule,)


def _validate(rules: Mapping[str, Rule], host_ops: frozenset[Op], host: str) -> None:
    for field, rule in rules.items():
        wrong = [op for op in ops_of(rule) if op not in host_ops]
        if wrong:
            raise ValueError(f"{field}: {wrong} are not operations of the {host}")


_validate(TENANT, policy.UNIT_OPS, "unit's host")
_validate(PUBLIC, policy.CONSOLE_OPS, "public host")


class RootFieldGate:
    """Graphene middleware: before a root field resolves, the caller must be admitted by the
    field's rule (fields below the root are not checked again: what a root field returns is
    what its operation may read)."""

    def __init__(self, rules: Mapping[str, Rule], *, unit_host: bool) -> None:
        self.rules = rules
        self.unit_host = unit_host

    def resolve(self, next: Callable[..., Any], root: Any, info: ResolveInfo, **args: Any) -> Any:
        if info.path.prev is None and not info.field_name.startswith("__"):
            self.check(f"{info.parent_type.name}.{info.field_name}", info)
        return next(root, info, **args)

    def check(self, field: str, info: ResolveInfo) -> None:
        rule = self.rules.get(field)
        if rule is None:
            raise Forbidden("该接口尚未登记访问规则。")
        if rule is Open.ANYONE:
            return
        if not info.context.user.is_authenticated:
            raise Unauthenticated()
        ops = ops_of(rule)
        if not ops:
            return
        if self.unit_host:
            if current_unit(info) is None:
                raise Forbidden("该接口只在单位主机上提供。")
            admitted = unit_access_of(info).allows
        else:
            admitted = console_access_of(info).allows
        if not any(admitted(op) for op in ops):
            raise Forbidden(policy.DENIED_MESSAGES[ops[0]])


def gate_for(schema: Any) -> RootFieldGate:
    """The gate of a schema: the unit host's map for the tenant schema, the public one for
    the public schema, and nothing admitted for any other."""
    from graphql_schema.public import schema as public_schema
    from graphql_schema.tenant import schema as tenant_schema

    if schema is tenant_schema:
        return RootFieldGate(TENANT, unit_host=True)
    if schema is public_schema:
        return RootFieldGate(PUBLIC, unit_host=False)
    return RootFieldGate({}, unit_host=False)
