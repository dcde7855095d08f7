"""重点评价 in the console: the key evaluations of the units in a manager's scope with the mean
and spread of their evaluators' totals and the self-vs-key gap flag; the projects that may be
selected; one key evaluation indicator by indicator; an evaluator's own assignments. Scope:
``ConsoleAccess.paths(Op.KEY_EVALUATION_MANAGE)`` for managers, the assignments themselves for
an evaluator. A fixed number of queries whatever the number of rows."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Exists, Max, Min, OuterRef, Q, QuerySet

from backend.accounts.models import User
from backend.benchmarking.models import ProjectFact
from backend.console.feedback import within
from backend.key_evaluation import rules
from backend.key_evaluation.models import (
    AssignmentStatus,
    EvaluatorAssignment,
    KeyEvaluation,
    KeyEvaluationStatus,
)
from backend.key_evaluation.selectors import with_details
from backend.oversight.selectors import policy_for, under_city
from tenants.models import Procuratorate

CENT = Decimal("0.01")
SUBMITTED = Q(assignments__status=AssignmentStatus.SUBMITTED)

ORDER = {
    "unit": ("unit__path", "project_code"),
    "-unit": ("-unit__path", "project_code"),
    "self": ("self_score", "unit__path"),
    "-self": ("-self_score", "unit__path"),
    "key": ("key_score", "unit__path"),
    "-key": ("-key_score", "unit__path"),
    "gap": ("gap", "unit__path"),
    "-gap": ("-gap", "unit__path"),
}


def q(value: Decimal | float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def spread(values: Sequence[Decimal]) -> Decimal | None:
    """The population standard deviation of the values (0 for one value; None for none)."""
    if not values:
        return None
    return q(statistics.pstdev([Decimal(v) for v in values]))


def overrate_points(unit: Procuratorate) -> Decimal:
    """The province's threshold for an overrated self-evaluation (10 by default)."""
    policy = policy_for(unit)
    return policy.overrate_points if policy is not None else rules.DEFAULT_OVERRATE_POINTS


def key_evaluations(
    paths: Sequence[str],
    *,
    fiscal_year: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    city: str | None = None,
    overrated: bool | None = None,
    order: str = "unit",
) -> QuerySet[KeyEvaluation]:
    """Key evaluations of the units in the scope, each with its evaluators (``evaluators``,
    ``submitted``) and the submitted totals' mean, lowest and highest (one query a page; the
    spread comes from ``totals``)."""
    qs = KeyEvaluation.objects.filter(within(paths)).select_related("unit", "issuer")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if city:
        qs = qs.filter(under_city(city))
    if overrated is not None:
        qs = qs.filter(overrated=overrated)
    return qs.annotate(
        evaluators=Count("assignments", distinct=True),
        submitted=Count("assignments", filter=SUBMITTED, distinct=True),
        mean=Avg("assignments__total", filter=SUBMITTED),
        low=Min("assignments__total", filter=SUBMITTED),
        high=Max("assignments__total", filter=SUBMITTED),
    ).order_by(*ORDER.get(order, ORDER["unit"]), "id")


@dataclass(frozen=True)
class Row:
    """A key evaluation as the list shows it."""

    evaluation: KeyEvaluation
    mean: Decimal | None
    spread: Decimal | None
    gap: Decimal | None  # self − key (finalised) or self − mean (provisional)
    flagged: bool  # overrated (finalised) or would be on the submitted scores
    provisional: bool


def rows(page: Sequence[KeyEvaluation], threshold: Decimal) -> list[Row]:
    """The page's rows with the spread of each one's submitted totals (one query for the page)
    and the gap flag (``rules.compare``, the rule finalising applies)."""
    ids = [e.pk for e in page]
    totals: dict[int, list[Decimal]] = {}
    for key_id, total in EvaluatorAssignment.objects.filter(
        key_evaluation_id__in=ids, status=AssignmentStatus.SUBMITTED, total__isnull=False
    ).values_list("key_evaluation_id", "total"):
        if total is not None:  # always: filtered above
            totals.setdefault(key_id, []).append(total)
    out = []
    for e in page:
        mean = q(getattr(e, "mean", None))
        if e.status == KeyEvaluationStatus.FINALISED and e.key_score is not None:
            out.append(Row(e, mean, spread(totals.get(e.pk, [])), e.gap, e.overrated, False))
            continue
        if mean is None:
            out.append(Row(e, None, None, None, False, True))
            continue
        compared = rules.compare(e.self_score, mean, threshold)
        out.append(
            Row(e, mean, spread(totals.get(e.pk, [])), compared.gap, compared.overrated, True)
        )
    return out


def counts(paths: Sequence[str], *, fiscal_year: int | None = None) -> dict[str, int]:
    qs = KeyEvaluation.objects.filter(within(paths))
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.aggregate(
        total=Count("id"),
        selected=Count("id", filter=Q(status=KeyEvaluationStatus.SELECTED)),
        evaluating=Count("id", filter=Q(status=KeyEvaluationStatus.EVALUATING)),
        finalised=Count("id", filter=Q(status=KeyEvaluationStatus.FINALISED)),
        overrated=Count("id", filter=Q(overrated=True)),
    )


def key_evaluation(paths: Sequence[str], pk: int) -> KeyEvaluation | None:
    """One key evaluation of the scope with its indicators, evaluators and their scores (four
    queries); None outside the scope."""
    return (
        with_details(KeyEvaluation.objects.filter(within(paths), pk=pk))
        .select_related("unit", "issuer", "finalised_by", "selected_by")
        .first()
    )


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    level1: str
    level2: str
    weight: Decimal
    self_score: Decimal | None
    scores: list[Decimal | None]  # per assignment, in the assignments' order
    mean: Decimal | None
    spread: Decimal | None
    key_score: Decimal | None


def indicator_rows(key_eval: KeyEvaluation) -> list[IndicatorRow]:
    """Per indicator: the unit's self score, each evaluator's score, their mean and spread
    (from the prefetched rows: no query)."""
    assignments = list(key_eval.assignments.all())
    by_pair = {(a.pk, s.indicator_id): s.final_score for a in assignments for s in a.scores.all()}
    out = []
    for indicator in key_eval.indicators.all():
        scores = [by_pair.get((a.pk, indicator.pk)) for a in assignments]
        given = [s for s in scores if s is not None]
        out.append(
            IndicatorRow(
                code=indicator.code,
                name=indicator.name,
                level1=indicator.level1,
                level2=indicator.level2,
                weight=indicator.weight,
                self_score=indicator.self_score,
                scores=scores,
                mean=q(sum(given, Decimal(0)) / len(given)) if given else None,
                spread=spread(given),
                key_score=indicator.key_score,
            )
        )
    return out


def candidates(
    issuer: Procuratorate,
    *,
    fiscal_year: int | None = None,
    city: str | None = None,
    grade: str | None = None,
    flagged: bool | None = None,
    order: str = "unit",
) -> QuerySet[ProjectFact]:
    """Projects of the units below ``issuer`` with a finalised self-evaluation and no key
    evaluation yet: what may be selected (one query a page)."""
    taken = KeyEvaluation.objects.filter(
        unit_id=OuterRef("unit_id"), project_id=OuterRef("project_id")
    )
    qs = (
        ProjectFact.objects.filter(unit__path__startswith=issuer.path, finalised_at__isnull=False)
        .exclude(unit=issuer)
        .filter(~Exists(taken))
        .select_related("unit")
    )
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if city:
        qs = qs.filter(under_city(city))
    if grade:
        qs = qs.filter(self_grade=grade)
    if flagged:
        qs = qs.exclude(evaluation_flags=[])
    orders = {
        "unit": ("unit__path", "project_code"),
        "-unit": ("-unit__path", "project_code"),
        "score": ("self_score", "unit__path"),
        "-score": ("-self_score", "unit__path"),
        "budget": ("full_budget", "unit__path"),
        "-budget": ("-full_budget", "unit__path"),
    }
    return qs.order_by(*orders.get(order, orders["unit"]), "id")


CANDIDATE_ORDER = ("unit", "-unit", "score", "-score", "budget", "-budget")


def my_assignment(user: User, pk: int) -> EvaluatorAssignment | None:
    """The user's own assignment with its key evaluation, indicators and the user's scores
    (three queries); None for anyone else's."""
    return (
        EvaluatorAssignment.objects.filter(pk=pk, evaluator=user)
        .select_related("key_evaluation__unit", "key_evaluation__issuer")
        .prefetch_related("key_evaluation__indicators", "scores")
        .first()
    )
