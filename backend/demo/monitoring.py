"""The demo's in-year monitoring: a province in September. Every demo project spends through the
year, month by month; most units report every monthly round (and the mid-year one) on their
projects with an approved goal; then the rules run, so the alerts look like a real province's:
some units on track, some lagging, a few silent, a few warnings already answered.

Generated, but deterministic: a unit's profile comes from ``random.Random(f"{seed}:{code}:
monitoring")``, each project's spending from ``…:{project code}`` and each indicator's progress
from ``…:{project code}:{indicator code}``, so the same seed always gives the same figures.

- **Profiles** (``UnitPlan.profile``): ``on_track`` spends about in step with time,
  ``slow`` at 70–85 % of it, ``very_slow`` at 40–60 %, ``back_loaded`` little early and most
  late (the cumulative share grows like t^1.5–t^2.1). Most of a unit's projects follow its
  profile, some not; day-to-day running costs (日常运转) are always on track. Equipment,
  informatisation and building projects spend in lumps (months without any payment).
- **Silent units** (``UnitPlan.silent``, about 1 in 14) skip the last round.
- Indicator progress follows the project's pace (work usually runs a little ahead of payments),
  with a few indicators stalled (→ indicator alerts, "impossible" answers) or far ahead
  (→ achievement-vs-execution gaps). Answers other than "certain" carry a deviation cause and a
  corrective measure, as the submission checks ask.

Everything goes through the services a user would call — the province's ``open_round``,
``set_monthly_spending``, ``start_entry`` / ``record_entry`` / ``submit_entry`` as
``<code>-finance``, ``sweep_unit``, ``answer_alert`` as ``<code>-leader`` — so the public
execution facts and alert records are written as in real use. Rounds are dated as the province
would (figures to the end of month m, reported from the 1st to the 15th of month m + 1; July is
the mid-year round). The services take entries only while a round is open today, so each unit
reports inside its transaction with the rounds opened for today and their dates put back before
it commits (``_reporting``). The sweep then runs as of today, or as of the day after the last
round's silent-unit delay when that is later (the demo may run ahead of the calendar).

Each unit is loaded on its own schema in its own transaction; a unit that already has
monitoring entries of the year is skipped, so loading again is a no-op.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from backend.accounts.models import Role, User
from backend.budgets.models import Expenditure, Project, ProjectKind
from backend.budgets.services import set_monthly_spending
from backend.demo.goals import COUNT_UNITS
from backend.goals.models import GoalIndicator, GoalStatus
from backend.indicators.models import Direction, ValueType
from backend.monitoring import services as monitoring
from backend.monitoring.models import (
    Alert,
    AlertKind,
    AlertStatus,
    DeviationCause,
    Likelihood,
    MonitoringEntry,
    Response,
    SpentSource,
)
from backend.oversight import selectors as oversight_selectors
from backend.oversight import services as oversight
from backend.oversight.models import MonitoringRound, RoundKind
from tenants.models import Procuratorate, UnitLevel

CENT = Decimal("0.01")
YUAN = Decimal(1)
ONE = Decimal(1)
MONTHS = 12

# --- what a unit's year looks like ----------------------------------------------------------

ON_TRACK, SLOW, VERY_SLOW, BACK_LOADED = "on_track", "slow", "very_slow", "back_loaded"
PROFILE_SHARES: tuple[tuple[str, float], ...] = (
    (ON_TRACK, 0.45),
    (SLOW, 0.25),
    (VERY_SLOW, 0.12),
    (BACK_LOADED, 0.18),
)
PROFILE_LABELS = {
    ON_TRACK: "执行正常",
    SLOW: "执行偏慢",
    VERY_SLOW: "执行严重滞后",
    BACK_LOADED: "前低后高",
}
# Spending pace (share of time progress) of the linear profiles.
PACE: dict[str, tuple[float, float]] = {
    ON_TRACK: (0.96, 1.06),
    SLOW: (0.70, 0.85),
    VERY_SLOW: (0.40, 0.60),
}
# Exponent of the back-loaded profile: cumulative share = (month / 12) ** exponent.
BACK_LOADED_EXPONENT = (1.5, 2.1)
SILENT_SHARE = 0.07
# Share of a unit's projects that follow the unit's profile (the others draw their own).
FOLLOW_SHARE = 0.75
LUMPY_KINDS = {ProjectKind.EQUIPMENT, ProjectKind.INFORMATISATION, ProjectKind.INFRASTRUCTURE}
LUMPY_SKIP = 0.3
# Indicators that stall (far behind the spending) or run far ahead of it.
STALLED_SHARE = 0.10
AHEAD_SHARE = 0.10
# Cumulative quantities (cases, sessions, money recovered) grow through the year; rates, head
# counts (人: staff in post) and other levels are measured as they stand.
CUMULATIVE_UNITS = (COUNT_UNITS - {"人"}) | {"万元"}
# Share of the open alerts (silent-unit alerts aside) the unit has already answered.
ANSWERED_SHARE = 0.3

PROGRESS_TEXTS = (
    "按计划推进，阶段性任务已完成。",
    "正在组织实施，进展总体顺利。",
    "已完成年度任务的主要部分。",
)
STALLED_TEXTS = ("受客观条件影响，推进较慢。", "尚在前期准备阶段。")
MEASURES: dict[str, str] = {
    DeviationCause.FUNDING: "加快资金拨付进度，督促承办部门按合同节点及时支付。",
    DeviationCause.SYSTEMS: "完善项目管理制度，压实部门责任，按月调度执行进度。",
    DeviationCause.STAFFING: "调配办案力量，明确专人负责，加强业务培训。",
    DeviationCause.EQUIPMENT: "加快设备采购和安装调试，协调解决场地等硬件条件。",
    DeviationCause.OTHER: "加强与相关部门沟通协调，倒排工期推进项目实施。",
}
CAUSE_WEIGHTS: tuple[tuple[str, int], ...] = (
    (DeviationCause.FUNDING, 3),
    (DeviationCause.SYSTEMS, 2),
    (DeviationCause.STAFFING, 2),
    (DeviationCause.EQUIPMENT, 2),
    (DeviationCause.OTHER, 1),
)
ANSWERS: tuple[tuple[str, str, int], ...] = (
    (Response.CONTINUE, "已分析滞后原因，采取加快支付、按月调度等措施，确保年底前完成。", 7),
    (Response.REALLOCATE, "拟将部分结余资金调整用于急需项目，已按程序报批。", 2),
    (Response.CANCEL, "项目实施条件发生变化，申请取消项目并收回资金。", 1),
)


@dataclass(frozen=True)
class UnitPlan:
    """How a unit's year goes: its spending profile and whether it misses the last round."""

    profile: str
    silent: bool


def _weighted(rng: random.Random, choices: Sequence[tuple[str, float]]) -> str:
    draw = rng.random() * sum(share for _, share in choices)
    for value, share in choices:
        if draw < share:
            return value
        draw -= share
    return choices[-1][0]


def plan_unit(code: str, *, seed: int) -> UnitPlan:
    """The unit's profile and silence (pure: the same seed and code give the same plan)."""
    rng = random.Random(f"{seed}:{code}:monitoring")
    profile = _weighted(rng, PROFILE_SHARES)
    return UnitPlan(profile=profile, silent=rng.random() < SILENT_SHARE)


def _d(value: float, places: str = "0.0001") -> Decimal:
    """A random draw as a Decimal (the figures the demo stores are Decimals)."""
    return Decimal(repr(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def project_profile(plan: UnitPlan, kind: str, rng: random.Random) -> str:
    """A project's spending profile: running costs are always on track; most projects
    follow the unit's profile, some draw their own."""
    if kind == ProjectKind.OPERATIONS:
        return ON_TRACK
    if rng.random() < FOLLOW_SHARE:
        return plan.profile
    return _weighted(rng, PROFILE_SHARES)


def spending_shares(profile: str, kind: str, rng: random.Random) -> list[Decimal]:
    """The cumulative share of the budget spent by the end of months 1..12 (non-decreasing,
    at most 1)."""
    if profile == BACK_LOADED:
        exponent = _d(rng.uniform(*BACK_LOADED_EXPONENT))
        pace = ONE
    else:
        exponent = ONE
        pace = _d(rng.uniform(*PACE[profile]))
    lumpy = kind in LUMPY_KINDS
    shares: list[Decimal] = []
    previous = Decimal(0)
    for month in range(1, MONTHS + 1):
        target = (Decimal(month) / MONTHS) ** exponent * pace
        noisy = target * _d(rng.uniform(0.92, 1.08))
        skip = lumpy and month < MONTHS and rng.random() < LUMPY_SKIP
        share = previous if skip else min(ONE, max(previous, noisy))
        shares.append(share.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))
        previous = shares[-1]
    return shares


def monthly_amounts(budget: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """Each month's spending (whole yuan) so that the cumulative spending follows ``shares``."""
    amounts: list[Decimal] = []
    spent = Decimal(0)
    for share in shares:
        cumulative = (budget * share).quantize(YUAN, rounding=ROUND_HALF_UP)
        amounts.append((cumulative - spent).quantize(CENT))
        spent = cumulative
    return amounts


# --- indicator progress ---------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorCourse:
    """How one indicator goes through the year: its pace against time (cumulative ones) or
    its level against the target (rates and the like)."""

    pace: Decimal
    level: Decimal
    stalled: bool
    text: str


def indicator_course(project_pace: Decimal, rng: random.Random) -> IndicatorCourse:
    """An indicator's course for a project spending at ``project_pace`` (its spending at the
    last month over time progress): the work follows the money but usually runs a little
    ahead of the payments (half to all of the spending's lag), except for the stalled
    indicators and those far ahead."""
    draw = rng.random()
    stalled = draw < STALLED_SHARE
    if stalled:
        pace, level = _d(rng.uniform(0.30, 0.55)), _d(rng.uniform(0.80, 0.92))
    elif draw < STALLED_SHARE + AHEAD_SHARE:
        pace, level = _d(rng.uniform(1.30, 1.60)), _d(rng.uniform(0.98, 1.03))
    else:
        lag = max(Decimal(0), ONE - project_pace)
        pace = ONE - lag * _d(rng.uniform(0.5, 1.0)) + _d(rng.uniform(-0.05, 0.08))
        level = _d(rng.uniform(0.97, 1.03))
    texts = STALLED_TEXTS if stalled else PROGRESS_TEXTS
    return IndicatorCourse(pace=pace, level=level, stalled=stalled, text=rng.choice(texts))


def _cause(rng: random.Random) -> str:
    draw = rng.randrange(sum(w for _, w in CAUSE_WEIGHTS))
    for cause, weight in CAUSE_WEIGHTS:
        if draw < weight:
            return cause
        draw -= weight
    return DeviationCause.OTHER


def indicator_answer(
    indicator: GoalIndicator, course: IndicatorCourse, month: int, rng: random.Random
) -> dict[str, Any]:
    """One goal indicator's figures at the end of ``month`` (``record_entry``'s indicator
    dict, without its id): value to date, projection, likelihood, and for a doubtful one a
    cause and a measure."""
    elapsed = Decimal(month) / MONTHS
    target = indicator.target_value
    value: Decimal | None = None
    projected: Decimal | None = None
    outlook = ONE  # projected year-end achievement, as a share of the target
    if indicator.value_type == ValueType.QUANTITATIVE and target is not None and target > 0:
        whole = indicator.unit in COUNT_UNITS
        places = YUAN if whole else CENT
        if indicator.direction == Direction.GTE and indicator.unit in CUMULATIVE_UNITS:
            share = min(Decimal("1.15"), elapsed * course.pace * _d(rng.uniform(0.96, 1.04)))
            value = (target * share).quantize(places, rounding=ROUND_HALF_UP)
            outlook = min(Decimal("1.2"), course.pace)
            projected = (target * outlook).quantize(places, rounding=ROUND_HALF_UP)
        elif indicator.direction == Direction.LTE:
            # a cost or a ceiling: within it unless stalled (then over it)
            level = Decimal("1.08") if course.stalled else Decimal("0.93")
            value = (target * level * _d(rng.uniform(0.97, 1.03))).quantize(CENT)
            projected = value
            outlook = Decimal("0.8") if value > target * Decimal("1.05") else ONE
        else:
            level = course.level
            if indicator.unit == "%":
                level = min(level, Decimal(100) / target)  # a rate stops at 100 %
            value = (target * level).quantize(places, rounding=ROUND_HALF_UP)
            projected = value
            outlook = level if indicator.direction == Direction.GTE else ONE
    if month <= 3 and not course.stalled:
        likelihood = Likelihood.CERTAIN  # too early to doubt
    elif outlook >= Decimal("0.9"):
        likelihood = Likelihood.CERTAIN
    elif outlook >= Decimal("0.6") or not course.stalled:
        likelihood = Likelihood.POSSIBLE
    else:
        likelihood = Likelihood.IMPOSSIBLE
    answer: dict[str, Any] = {
        "value_to_date": value,
        "text_to_date": course.text if value is None else "",
        "projected_value": projected,
        "likelihood": likelihood.value,
        "deviation_cause": "",
        "corrective_measure": "",
    }
    if likelihood != Likelihood.CERTAIN:
        cause = _cause(rng)
        answer["deviation_cause"] = cause
        answer["corrective_measure"] = MEASURES[cause]
    return answer


# --- rounds ---------------------------------------------------------------------------------


def round_dates(fiscal_year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """A round on the figures to the end of ``month`` is reported from the 1st to the 15th of
    the next month (January of the next year for December)."""
    year, following = (fiscal_year + 1, 1) if month == MONTHS else (fiscal_year, month + 1)
    return datetime.date(year, following, 1), datetime.date(year, following, 15)


def _province_admin(province: Procuratorate) -> User | None:
    return (
        User.objects.filter(
            memberships__unit=province, memberships__role=Role.PROVINCE_ADMIN, is_active=True
        )
        .order_by("username")
        .first()
    )


def ensure_rounds(
    province: Procuratorate, *, fiscal_year: int, through_month: int
) -> dict[int, MonitoringRound]:
    """The province's rounds 1..``through_month`` (month → round), set as its
    ``province_admin`` would where missing; rounds already set keep their dates."""
    existing = {
        r.month: r
        for r in MonitoringRound.objects.filter(
            province=province, fiscal_year=fiscal_year, month__lte=through_month
        )
    }
    missing = [m for m in range(1, through_month + 1) if m not in existing]
    if missing:
        admin = _province_admin(province)
        if admin is None:
            raise RuntimeError(
                f"no province_admin at {province.code} (run load_users first) to set its rounds"
            )
        for month in missing:
            opens_on, closes_on = round_dates(fiscal_year, month)
            existing[month] = oversight.open_round(
                province,
                fiscal_year=fiscal_year,
                month=month,
                opens_on=opens_on,
                closes_on=closes_on,
                kind=RoundKind.MIDYEAR if month == 7 else RoundKind.MONTHLY,
                user=admin,
            )
    return existing


# --- loading ----------------------------------------------------------------------------------


@contextmanager
def _reporting(rounds: Sequence[MonitoringRound]) -> Iterator[None]:
    """Let the unit report ``rounds`` today. The services take entries only while a round is
    open (``ROUND_CLOSED`` / ``ROUND_NOT_OPEN`` on today's date), and the demo reports rounds
    that closed long ago (or have not opened yet). Inside the unit's transaction the rounds are
    opened for today, then given their own dates back before the transaction ends: no other
    session ever sees the change (the rows stay locked until the commit), and a failure rolls
    it back with everything else. Must run inside a transaction."""
    today = timezone.localdate()
    saved = {r.pk: (r.opens_on, r.closes_on) for r in rounds}
    MonitoringRound.objects.filter(pk__in=list(saved)).update(opens_on=today, closes_on=today)
    for r in rounds:
        r.opens_on = r.closes_on = today
    try:
        yield
    finally:
        for r in rounds:
            r.opens_on, r.closes_on = saved[r.pk]
    MonitoringRound.objects.bulk_update(list(rounds), ["opens_on", "closes_on"])


def _spend(project: Project, shares: Sequence[Decimal], *, through_month: int, user: User) -> None:
    """The project's monthly totals for months 1..``through_month``, unless it already has
    spending of its own (dated payments recorded by a user are never overwritten)."""
    if Expenditure.objects.filter(project=project, monthly_total=False).exists():
        return
    amounts = monthly_amounts(project.full_budget, shares)
    for month in range(1, through_month + 1):
        set_monthly_spending(project, month=month, amount=amounts[month - 1], user=user)


@dataclass
class _Monitored:
    """A project the unit reports on: its spending shares and its indicators' courses."""

    project: Project
    shares: list[Decimal]
    indicators: list[GoalIndicator]
    courses: dict[int, IndicatorCourse]
    rngs: dict[int, random.Random]


def _report(item: _Monitored, round: MonitoringRound, *, user: User) -> MonitoringEntry:
    """The project's entry for ``round``: started, filled in, submitted. The entry has one
    line per indicator of the approved goal (``start_entry``), the ones in ``item``."""
    entry = monitoring.start_entry(item.project, round, user=user)
    answers = [
        {
            "goal_indicator_id": indicator.pk,
            **indicator_answer(
                indicator, item.courses[indicator.pk], round.month, item.rngs[indicator.pk]
            ),
        }
        for indicator in item.indicators
    ]
    spent: Decimal | None = None
    if entry.spent_source == SpentSource.ENTERED:  # a project whose spending is not recorded
        share = item.shares[round.month - 1]
        spent = (item.project.full_budget * share).quantize(YUAN, rounding=ROUND_HALF_UP)
    if answers or spent is not None:  # else there is nothing to fill in
        entry = monitoring.record_entry(entry, user=user, spent_to_date=spent, indicators=answers)
    return monitoring.submit_entry(entry, user=user)


def _answer_alerts(rng: random.Random, *, user: User) -> None:
    """Answer a share of the unit's open alerts, as its leader would."""
    open_alerts = Alert.objects.filter(status=AlertStatus.OPEN).exclude(kind=AlertKind.SILENT_UNIT)
    for alert in open_alerts.order_by("key"):
        if rng.random() >= ANSWERED_SHARE:
            continue
        draw = rng.randrange(sum(w for _, _, w in ANSWERS))
        for response, note, weight in ANSWERS:
            if draw < weight:
                monitoring.answer_alert(alert, user=user, response=response, note=note)
                break
            draw -= weight


def sweep_date(rounds: dict[int, MonitoringRound], silent_days: int) -> datetime.date:
    """The day the demo's sweep runs: today, but at least the day after the last round's
    silent-unit delay (so that a silent unit shows when the demo runs ahead of the calendar).
    Today's sweep by the beat then finds the same alerts."""
    last = rounds[max(rounds)]
    return max(timezone.localdate(), last.closes_on + datetime.timedelta(days=silent_days + 1))


def load_unit(
    unit: Procuratorate,
    *,
    seed: int,
    fiscal_year: int,
    through_month: int,
    rounds: dict[int, MonitoringRound],
    as_of: datetime.date,
    finance: User,
    leader: User,
) -> int:
    """Load one unit (its schema, one transaction); the number of entries submitted, 0 when
    it already has monitoring entries of the year."""
    with tenant_context(unit), transaction.atomic():
        if MonitoringEntry.objects.filter(project__fiscal_year=fiscal_year).exists():
            return 0
        plan = plan_unit(unit.code, seed=seed)
        projects = list(
            Project.objects.filter(fiscal_year=fiscal_year)
            .prefetch_related("goals__indicators")
            .order_by("code")
        )
        approved: list[_Monitored] = []
        others: list[_Monitored] = []
        for project in projects:
            rng = random.Random(f"{seed}:{unit.code}:{project.code}")
            profile = project_profile(plan, project.kind, rng)
            shares = spending_shares(profile, project.kind, rng)
            _spend(project, shares, through_month=through_month, user=finance)
            goal = next((g for g in project.goals.all() if g.status == GoalStatus.APPROVED), None)
            if goal is None:
                others.append(_Monitored(project, shares, [], {}, {}))
                continue
            # the pace the work follows: the project's spending at the last month, vs time
            elapsed = Decimal(through_month) / MONTHS
            pace = max(Decimal("0.2"), shares[through_month - 1] / elapsed)
            item = _Monitored(project, shares, list(goal.indicators.all()), {}, {})
            for indicator in item.indicators:
                indicator_rng = random.Random(f"{seed}:{unit.code}:{project.code}:{indicator.code}")
                item.courses[indicator.pk] = indicator_course(pace, indicator_rng)
                item.rngs[indicator.pk] = indicator_rng
            approved.append(item)
        # The projects with an approved goal are monitored; a unit without any reports its
        # budget execution on all its projects (entries without indicators) rather than
        # nothing at all.
        monitored = approved or others
        last = max(rounds)
        reported = [m for m in sorted(rounds) if not (plan.silent and m == last)]
        with _reporting([rounds[m] for m in reported]):
            for month in reported:
                for item in monitored:
                    _report(item, rounds[month], user=finance)
        monitoring.sweep_unit(as_of=as_of)
        _answer_alerts(random.Random(f"{seed}:{unit.code}:answers"), user=leader)
        return len(reported) * len(monitored)


def load_monitoring(
    *,
    seed: int = 2026,
    fiscal_year: int | None = None,
    through_month: int = 9,
    progress: Callable[[Procuratorate], None] | None = None,
    units: Collection[str] | None = None,
) -> int:
    """Give every active unit (or the units with the given codes) a monitored year up to
    ``through_month`` of ``fiscal_year`` (default: the current year): the province's rounds,
    monthly spending, entries and the alerts the sweep raises. Needs the demo users and the
    demo goals (``load_users``, ``load_goals``). One unit at a time, each on its own schema in
    its own transaction; idempotent (a unit with entries of the year is skipped). Returns the
    number of entries submitted."""
    if not 1 <= through_month <= MONTHS:
        raise ValueError(f"through_month must be 1–12, not {through_month}")
    year = fiscal_year or timezone.localdate().year
    queryset = Procuratorate.objects.filter(active=True).order_by("path")
    if units is not None:
        queryset = queryset.filter(code__in=list(units))
    targets = list(queryset)
    names = [f"{u.code}-{role}" for u in targets for role in ("finance", "leader")]
    users = {user.username: user for user in User.objects.filter(username__in=names)}
    missing = [name for name in names if name not in users]
    if missing:
        raise RuntimeError(f"demo users missing (run load_users first): {', '.join(missing[:5])}")
    provinces = {
        p.code: p
        for p in Procuratorate.objects.filter(
            code__in={oversight_selectors.province_code(u) for u in targets},
            level=UnitLevel.PROVINCE,
        )
    }
    schedule: dict[str, tuple[dict[int, MonitoringRound], datetime.date]] = {}
    for code, province in provinces.items():
        rounds = ensure_rounds(province, fiscal_year=year, through_month=through_month)
        policy = oversight_selectors.policy_for(province)
        silent_days = policy.silent_days if policy is not None else 10
        schedule[code] = (rounds, sweep_date(rounds, silent_days))
    submitted = 0
    for unit in targets:
        planned = schedule.get(oversight_selectors.province_code(unit))
        if planned is not None:
            rounds, as_of = planned
            submitted += load_unit(
                unit,
                seed=seed,
                fiscal_year=year,
                through_month=through_month,
                rounds=rounds,
                as_of=as_of,
                finance=users[f"{unit.code}-finance"],
                leader=users[f"{unit.code}-leader"],
            )
        if progress is not None:
            progress(unit)
    return submitted
