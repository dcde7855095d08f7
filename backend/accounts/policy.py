"""The role table: who may do what, and where. One place for the GraphQL API and the pages.

A user holds memberships (user, unit, role). What a membership allows depends on the role and on
where the membership sits relative to the unit being worked on:

- ``HERE``: the role is held at the unit itself (a unit's finance officer prepares the unit's
  own goals; a reviewer above does not edit them);
- ``REACH``: the role is held at the unit or at any unit above it (a city reviewer reads its
  counties; the province admin reads every unit).

An evaluator (评价人员) reaches no unit's data at all: it works on the public host on the key
evaluations assigned to it, and the key-evaluation services check the assignment.

Operations on the public host (the provincial console and the cross-unit API) are granted by the
role and the **level** of the unit where it is held: ``province_admin`` at a provincial office,
``city_reviewer`` at a municipal office, ``evaluator`` anywhere. What a console user then sees is
scoped to the subtree of that membership by the selectors.

``ROLE_TABLE`` is the table; ``allowed``/``require`` answer it for a unit host, ``console_allowed``
for the public host. Lists ask it too: ``units_allowing`` (the units where a unit-host operation
is allowed), ``console_scope`` (the subtrees a public-host operation reaches),
``membership_condition`` (the memberships granting one). GraphQL maps each root field to its
operation in ``graphql_schema/core/access.py``. ``docs/access.md`` prints the table in words,
written by ``make schema``; a test compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from backend.accounts.models import Membership, Role, User
from backend.core.errors import PermissionDenied
from tenants.models import Procuratorate, UnitLevel


class Scope(StrEnum):
    HERE = "here"  # a membership at the unit itself
    REACH = "reach"  # a membership at the unit or above it


class Op(StrEnum):
    """Every operation the API or a page performs, named for what the user does."""

    # --- on a unit's host (its own schema) -----------------------------------------------------
    UNIT_VIEW = "unit.view"  # read the unit's projects, goals, monitoring, evaluations, results
    PROJECT_EDIT = "project.edit"  # projects, budgets, adjustments, spending
    LIBRARY_EDIT = "library.edit"  # the unit's indicator library: local indicators, overrides
    GOAL_PREPARE = "goal.prepare"  # draft, edit, import goals
    GOAL_SUBMIT = "goal.submit"  # submit goals, ask for and submit adjustments
    GOAL_APPROVE = "goal.approve"  # the unit leader's review
    GOAL_CITY_REVIEW = "goal.city_review"  # the city's review of a county's goal
    MONITORING_ENTER = "monitoring.enter"  # open, record and submit monitoring entries
    ALERT_ANSWER = "alert.answer"
    EVALUATION_PREPARE = "evaluation.prepare"  # self-evaluations: start, record, import, submit
    EVALUATION_FINALISE = "evaluation.finalise"  # return or finalise a self-evaluation
    DOCUMENT_UPLOAD = "document.upload"  # evidence files
    REPORT_GENERATE = "report.generate"  # PDF reports stored as the unit's documents
    RESULTS_RESPOND = "results.respond"  # answer rectifications and feedback

    # --- on the public host (the console and the cross-unit API) -------------------------------
    CONSOLE_VIEW = "console.view"  # the console: where the units stand, their goals and results
    REVIEW = "review"  # review what units send up (goals, rectification answers)
    BENCHMARK_VIEW = "benchmark.view"  # league tables naming units, exports, charts
    FEEDBACK_SEND = "feedback.send"  # feedback batches and rectification requests
    KEY_EVALUATION_MANAGE = "key_evaluation.manage"  # select, assign, finalise, sampling draws
    KEY_EVALUATION_SCORE = "key_evaluation.score"  # an evaluator's score sheets (assigned only)
    LINKAGE_DECIDE = "linkage.decide"  # next year's budget linkage
    TEMPLATE_MANAGE = "template.manage"  # author, publish, push templates; conflicts, drift
    UNIT_MANAGE = "unit.manage"  # create units, import them, users and memberships
    POLICY_MANAGE = "policy.manage"  # province settings: review, monitoring, results, sampling
    STATISTICS_MANAGE = "statistics.manage"  # unit statistics, peer groups


@dataclass(frozen=True)
class Grant:
    role: str
    scope: Scope = Scope.HERE
    # Public-host operations: the levels of the unit where the membership must be held.
    levels: frozenset[str] | None = None


FINANCE_HERE = Grant(Role.UNIT_FINANCE)
LEADER_HERE = Grant(Role.UNIT_LEADER)
CITY_REACH = Grant(Role.CITY_REVIEWER, Scope.REACH)
PROVINCE_REACH = Grant(Role.PROVINCE_ADMIN, Scope.REACH)
PROVINCE = Grant(Role.PROVINCE_ADMIN, levels=frozenset({UnitLevel.PROVINCE}))
CITY = Grant(Role.CITY_REVIEWER, levels=frozenset({UnitLevel.CITY}))
EVALUATOR = Grant(Role.EVALUATOR, levels=frozenset(UnitLevel.values))

UNIT_PREPARERS = (FINANCE_HERE, LEADER_HERE)

ROLE_TABLE: dict[Op, tuple[Grant, ...]] = {
    Op.UNIT_VIEW: (FINANCE_HERE, LEADER_HERE, CITY_REACH, PROVINCE_REACH),
    Op.PROJECT_EDIT: UNIT_PREPARERS,
    Op.LIBRARY_EDIT: UNIT_PREPARERS,
    Op.GOAL_PREPARE: UNIT_PREPARERS,
    # The finance officer submits, the leader approves: never both by one role.
    Op.GOAL_SUBMIT: (FINANCE_HERE,),
    Op.GOAL_APPROVE: (LEADER_HERE,),
    # The service narrows it further: the reviewer of the county's own city, when the province
    # asks for a city review.
    Op.GOAL_CITY_REVIEW: (CITY_REACH,),
    Op.MONITORING_ENTER: (FINANCE_HERE,),
    Op.ALERT_ANSWER: UNIT_PREPARERS,
    Op.EVALUATION_PREPARE: UNIT_PREPARERS,
    Op.EVALUATION_FINALISE: (LEADER_HERE,),
    Op.DOCUMENT_UPLOAD: UNIT_PREPARERS,
    Op.REPORT_GENERATE: UNIT_PREPARERS,
    Op.RESULTS_RESPOND: UNIT_PREPARERS,
    Op.CONSOLE_VIEW: (PROVINCE, CITY),
    Op.REVIEW: (PROVINCE, CITY),
    Op.BENCHMARK_VIEW: (PROVINCE, CITY),
    Op.FEEDBACK_SEND: (PROVINCE, CITY),
    Op.KEY_EVALUATION_MANAGE: (PROVINCE, CITY),
    Op.KEY_EVALUATION_SCORE: (EVALUATOR,),
    Op.LINKAGE_DECIDE: (PROVINCE, CITY),
    Op.TEMPLATE_MANAGE: (PROVINCE,),
    Op.UNIT_MANAGE: (PROVINCE,),
    Op.POLICY_MANAGE: (PROVINCE,),
    Op.STATISTICS_MANAGE: (PROVINCE,),
}

UNIT_OPS = frozenset(
    op for op, grants in ROLE_TABLE.items() if all(g.levels is None for g in grants)
)
CONSOLE_OPS = frozenset(ROLE_TABLE) - UNIT_OPS


@dataclass(frozen=True)
class UnitAccess:
    """The roles a user holds at one unit (``here``) and above it (``above``)."""

    unit: Procuratorate
    here: frozenset[str]
    above: frozenset[str]

    def allows(self, op: Op) -> bool:
        if op not in UNIT_OPS:
            raise ValueError(f"{op} is not an operation on a unit's host")
        for grant in ROLE_TABLE[op]:
            if grant.role in self.here:
                return True
            if grant.scope is Scope.REACH and grant.role in self.above:
                return True
        return False

    def allows_here(self, op: Op) -> bool:
        """Whether a role granting ``op`` is held at the unit itself (not only above it): the
        city review is for the county's own city, whose reviewer holds the role there."""
        if op not in UNIT_OPS:
            raise ValueError(f"{op} is not an operation on a unit's host")
        return any(grant.role in self.here for grant in ROLE_TABLE[op])

    @property
    def any(self) -> bool:
        return self.allows(Op.UNIT_VIEW)

    def ops(self) -> frozenset[Op]:
        return frozenset(op for op in UNIT_OPS if self.allows(op))


NO_ACCESS_ROLES: frozenset[str] = frozenset()


def unit_access(user: User | AnonymousUser, unit: Procuratorate) -> UnitAccess:
    """What ``user`` may do at ``unit`` (one query on the unit's ancestor paths)."""
    if not user.is_authenticated or not user.is_active:
        return UnitAccess(unit, NO_ACCESS_ROLES, NO_ACCESS_ROLES)
    here: set[str] = set()
    above: set[str] = set()
    rows = Membership.objects.filter(user=user, unit__path__in=unit.ancestor_paths).values_list(
        "role", "unit_id"
    )
    for role, unit_id in rows:
        (here if unit_id == unit.pk else above).add(role)
    return UnitAccess(unit, frozenset(here), frozenset(above))


def allowed(user: User | AnonymousUser, op: Op, unit: Procuratorate) -> bool:
    return unit_access(user, unit).allows(op)


def units_allowing(user: User | AnonymousUser, op: Op) -> QuerySet[Procuratorate]:
    """Every unit where ``user`` may perform the unit-host operation ``op``: the units of the
    memberships whose role grants it ``HERE``, and the subtrees of those granting it
    ``REACH`` (two queries to evaluate)."""
    if op not in UNIT_OPS:
        raise ValueError(f"{op} is not an operation on a unit's host")
    if not user.is_authenticated or not user.is_active:
        return Procuratorate.objects.none()
    here = {g.role for g in ROLE_TABLE[op]}
    reach = {g.role for g in ROLE_TABLE[op] if g.scope is Scope.REACH}
    condition = Q(pk__in=[])
    for role, unit_id, path in Membership.objects.filter(user=user, role__in=here).values_list(
        "role", "unit_id", "unit__path"
    ):
        condition |= Q(path__startswith=path) if role in reach else Q(pk=unit_id)
    return Procuratorate.objects.filter(condition)


def require(user: User | AnonymousUser, op: Op, unit: Procuratorate, message: str = "") -> None:
    """Raise ``PermissionDenied`` unless ``user`` may perform ``op`` at ``unit``."""
    if not allowed(user, op, unit):
        raise PermissionDenied(message or DENIED_MESSAGES.get(op, "您无权执行此操作。"))


@dataclass(frozen=True)
class ConsoleAccess:
    """A user's memberships that count on the public host: (role, unit) pairs."""

    memberships: tuple[tuple[str, Procuratorate], ...]

    def allows(self, op: Op) -> bool:
        if op not in CONSOLE_OPS:
            raise ValueError(f"{op} is not an operation on the public host")
        return any(self._grant_matches(op, role, unit) for role, unit in self.memberships)

    def units_for(self, op: Op) -> list[Procuratorate]:
        """The units whose subtrees ``op`` reaches (the membership units that grant it)."""
        return [unit for role, unit in self.memberships if self._grant_matches(op, role, unit)]

    def paths(self, op: Op) -> list[str]:
        """The paths of ``units_for(op)``: a console reader's scope is their subtrees."""
        return sorted({unit.path for unit in self.units_for(op)})

    def at(self, op: Op, unit: Procuratorate) -> bool:
        """Whether a membership at ``unit`` itself grants ``op`` (a unit acting as issuer, a
        province changing its own settings)."""
        return any(u.pk == unit.pk for u in self.units_for(op))

    def covers(self, op: Op, unit: Procuratorate) -> bool:
        """Whether ``op`` is granted at ``unit`` or at a unit above it."""
        return any(unit.path.startswith(u.path) for u in self.units_for(op))

    @staticmethod
    def _grant_matches(op: Op, role: str, unit: Procuratorate) -> bool:
        return any(
            grant.role == role and grant.levels is not None and unit.level in grant.levels
            for grant in ROLE_TABLE[op]
        )

    def ops(self) -> frozenset[Op]:
        return frozenset(op for op in CONSOLE_OPS if self.allows(op))


def console_access(user: User | AnonymousUser) -> ConsoleAccess:
    """The user's public-host grants (one query)."""
    if not user.is_authenticated or not user.is_active:
        return ConsoleAccess(())
    rows = Membership.objects.filter(user=user).select_related("unit").order_by("unit__path")
    return ConsoleAccess(tuple((m.role, m.unit) for m in rows))


def console_allowed(user: User | AnonymousUser, op: Op) -> bool:
    return console_access(user).allows(op)


def roles_granting(op: Op) -> frozenset[str]:
    """The roles that grant ``op`` somewhere (where: the grants say)."""
    return frozenset(grant.role for grant in ROLE_TABLE[op])


def membership_condition(op: Op, prefix: str = "") -> Q:
    """The memberships granting the public-host operation ``op`` as a condition on
    ``Membership`` (``prefix``: the path to it, e.g. ``"memberships__"`` from ``User``): whom
    a manager may assign as an evaluator, for instance."""
    if op not in CONSOLE_OPS:
        raise ValueError(f"{op} is not an operation on the public host")
    condition = Q(pk__in=[])
    for grant in ROLE_TABLE[op]:
        assert grant.levels is not None
        condition |= Q(**{f"{prefix}role": grant.role, f"{prefix}unit__level__in": grant.levels})
    return condition


def console_scope(user: User | AnonymousUser, op: Op, field: str = "unit__path") -> Q | None:
    """The subtrees ``op`` reaches for ``user`` as a condition on ``field`` (a unit's path);
    None when it reaches nothing. What a console reader lists is this, never the subtree of
    another membership of theirs (an evaluator's, a unit role's)."""
    paths = console_access(user).paths(op)
    if not paths:
        return None
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def require_console(user: User | AnonymousUser, op: Op, message: str = "") -> None:
    if not console_allowed(user, op):
        raise PermissionDenied(message or DENIED_MESSAGES.get(op, "您无权执行此操作。"))


DENIED_MESSAGES: dict[Op, str] = {
    Op.UNIT_VIEW: "您无权查看该单位的数据。",
    Op.PROJECT_EDIT: "只有本院的财务或负责人可以修改本院的项目和预算。",
    Op.LIBRARY_EDIT: "只有本院的财务或负责人可以修改本院的指标库。",
    Op.GOAL_PREPARE: "只有本院的财务或负责人可以编制绩效目标。",
    Op.GOAL_SUBMIT: "只有本院的财务人员可以提交绩效目标或调整申请。",
    Op.GOAL_APPROVE: "只有本院负责人可以审核本院的绩效目标。",
    Op.GOAL_CITY_REVIEW: "只有上级市院的审核人可以审核该绩效目标。",
    Op.MONITORING_ENTER: "只有本院的财务人员可以填报和提交运行监控。",
    Op.ALERT_ANSWER: "只有本院的财务或负责人可以答复预警。",
    Op.EVALUATION_PREPARE: "只有本院的财务或负责人可以填报绩效自评。",
    Op.EVALUATION_FINALISE: "只有本院负责人可以退回或定稿绩效自评。",
    Op.DOCUMENT_UPLOAD: "只有本院的财务或负责人可以上传本院的文件。",
    Op.REPORT_GENERATE: "只有本院的财务或负责人可以生成本院的报告。",
    Op.RESULTS_RESPOND: "只有本院的财务或负责人可以答复整改和反馈。",
    Op.CONSOLE_VIEW: "只有省院管理员和市院审核人可以使用管理控制台。",
    Op.REVIEW: "只有省院管理员和市院审核人可以审核下级单位报送的内容。",
    Op.BENCHMARK_VIEW: "只有省院管理员和市院审核人可以查看跨单位对比。",
    Op.FEEDBACK_SEND: "只有省院管理员和市院审核人可以下发反馈和整改。",
    Op.KEY_EVALUATION_MANAGE: "只有省院管理员和市院审核人可以组织重点评价。",
    Op.KEY_EVALUATION_SCORE: "只有评价人员可以为分配给自己的重点评价打分。",
    Op.LINKAGE_DECIDE: "只有省院管理员和市院审核人可以决定预算挂钩。",
    Op.TEMPLATE_MANAGE: "只有省院管理员可以管理指标模板。",
    Op.UNIT_MANAGE: "只有省院管理员可以管理单位和用户。",
    Op.POLICY_MANAGE: "只有省院管理员可以修改全省的规则设置。",
    Op.STATISTICS_MANAGE: "只有省院管理员可以维护单位基本情况和对标组。",
}


# What each operation covers, in the words of ``docs/access.md`` (written from this table).
DESCRIPTIONS: dict[Op, str] = {
    Op.UNIT_VIEW: "read the unit's projects, goals, library, monitoring, alerts, evaluations, "
    "results, documents, charts and its own benchmark position",
    Op.PROJECT_EDIT: "create and edit projects, budget adjustments and spending",
    Op.LIBRARY_EDIT: "edit the unit's indicator library (local indicators, overrides, merge "
    "conflicts)",
    Op.GOAL_PREPARE: "draft, edit and import performance goals",
    Op.GOAL_SUBMIT: "submit goals for review; ask for and submit adjustments of approved goals",
    Op.GOAL_APPROVE: "the unit leader's review of goals and adjustment requests",
    Op.GOAL_CITY_REVIEW: "the city's review of a county's goals and adjustment requests (only "
    "the reviewer of the county's own city, when the province asks for a city review)",
    Op.MONITORING_ENTER: "open, record and submit monitoring entries",
    Op.ALERT_ANSWER: "answer the unit's alerts",
    Op.EVALUATION_PREPARE: "start, record, import and submit self-evaluations and the "
    "department-wide evaluation",
    Op.EVALUATION_FINALISE: "return or finalise self-evaluations and the department-wide "
    "evaluation",
    Op.DOCUMENT_UPLOAD: "upload evidence files as the unit's documents",
    Op.REPORT_GENERATE: "generate PDF reports stored as the unit's documents",
    Op.RESULTS_RESPOND: "answer rectification requests and feedback, mark feedback read",
    Op.CONSOLE_VIEW: "the console: goals, results, alerts, execution, rectifications, linkages "
    "and feedback of the units in the subtree; the province's settings",
    Op.REVIEW: "the review inbox; accept or reject rectification answers",
    Op.BENCHMARK_VIEW: "league tables naming units, trends, weaknesses, peer groups, unit "
    "statistics, benchmark exports and charts",
    Op.FEEDBACK_SEND: "issue feedback batches and open rectification requests, as the unit "
    "where the role is held",
    Op.KEY_EVALUATION_MANAGE: "select projects for key evaluation, assign evaluators, finalise, "
    "draw samples for re-review",
    Op.KEY_EVALUATION_SCORE: "record and submit one's own score sheets of the key evaluations "
    "assigned to one (and read only those)",
    Op.LINKAGE_DECIDE: "decide next year's budget linkage of the units below",
    Op.TEMPLATE_MANAGE: "author, publish, retire and push indicator templates",
    Op.UNIT_MANAGE: "create and import units, users and memberships",
    Op.POLICY_MANAGE: "the province's settings: goal review, monitoring rounds and rules, "
    "results application, key evaluation",
    Op.STATISTICS_MANAGE: "unit statistics and peer groups",
}
