"""Reads of key evaluations (public schema). Who sees what:

- a manager (``Op.KEY_EVALUATION_MANAGE``: a province_admin at a province, a city_reviewer at
  a city) sees the key evaluations of every unit in the subtrees of the units where they hold
  that role, with every evaluator's scores;
- an evaluator sees ONLY the key evaluations they are assigned to, and in them only their own
  scores (issue 6, "Evaluators see only the projects assigned to them");
- anyone else (a unit's finance or leader on the public host) sees none; a unit reads the key
  evaluations of its own projects on its own host (``unit_key_evaluations``).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from backend.accounts import policy
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.key_evaluation.models import (
    EvaluatorAssignment,
    EvaluatorScore,
    KeyEvaluation,
    KeyEvaluationStatus,
    SamplingDraw,
)
from tenants.models import Procuratorate


def manager_paths(user: User | AnonymousUser) -> list[str]:
    """Paths of the units whose subtrees the user manages (``Op.KEY_EVALUATION_MANAGE``: a
    province_admin at a province, a city_reviewer at a city). One query."""
    return policy.console_access(user).paths(Op.KEY_EVALUATION_MANAGE)


def _under(paths: list[str], field: str) -> Q | None:
    if not paths:
        return None
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def visible_key_evaluations(
    user: User | AnonymousUser,
    *,
    fiscal_year: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    unit_code: str | None = None,
) -> QuerySet[KeyEvaluation]:
    """Every key evaluation the user may read (see the module text). Staff see all."""
    if not user.is_authenticated:
        return KeyEvaluation.objects.none()
    if user.is_staff:
        qs = KeyEvaluation.objects.all()
    else:
        condition = Q(
            pk__in=EvaluatorAssignment.objects.filter(evaluator=user).values("key_evaluation_id")
        )
        reach = _under(manager_paths(user), "unit__path")
        if reach is not None:
            condition |= reach
        qs = KeyEvaluation.objects.filter(condition)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if unit_code:
        qs = qs.filter(unit__code=unit_code)
    return qs.select_related("unit", "issuer").order_by("fiscal_year", "unit__path", "id")


def can_manage(user: User | AnonymousUser, key_eval: KeyEvaluation) -> bool:
    """Whether the user sees every evaluator of ``key_eval``: staff, or a manager whose subtree
    holds its unit."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return any(key_eval.unit.path.startswith(p) for p in manager_paths(user))


def with_details(qs: QuerySet[KeyEvaluation]) -> QuerySet[KeyEvaluation]:
    """Prefetch indicators, assignments (all of them; ``assignments_for`` filters) and their
    scores, so nested fields cost a fixed number of queries whatever the number of rows."""
    return qs.prefetch_related(
        "indicators",
        Prefetch(
            "assignments",
            queryset=EvaluatorAssignment.objects.select_related("evaluator")
            .prefetch_related(
                Prefetch("scores", queryset=EvaluatorScore.objects.select_related("indicator"))
            )
            .order_by("id"),
        ),
    )


def assignments_for(
    user: User | AnonymousUser, key_eval: KeyEvaluation, *, manages: bool | None = None
) -> list[EvaluatorAssignment]:
    """The assignments of ``key_eval`` the user may read: all for a manager, their own for an
    evaluator (from the prefetch cache when there is one)."""
    rows = list(key_eval.assignments.all())
    if manages is None:
        manages = can_manage(user, key_eval)
    if manages:
        return rows
    return [a for a in rows if user.is_authenticated and a.evaluator_id == user.pk]


def my_assignments(
    user: User | AnonymousUser, *, status: str | None = None, fiscal_year: int | None = None
) -> QuerySet[EvaluatorAssignment]:
    """The user's own evaluator assignments, newest first."""
    if not user.is_authenticated:
        return EvaluatorAssignment.objects.none()
    qs = EvaluatorAssignment.objects.filter(evaluator=user)
    if status:
        qs = qs.filter(status=status)
    if fiscal_year is not None:
        qs = qs.filter(key_evaluation__fiscal_year=fiscal_year)
    return qs.select_related(
        "key_evaluation__unit", "key_evaluation__issuer", "evaluator"
    ).order_by("-assigned_at", "-id")


def visible_draws(
    user: User | AnonymousUser, *, fiscal_year: int | None = None
) -> QuerySet[SamplingDraw]:
    """The draws of issuers in the subtrees the user manages."""
    if not user.is_authenticated:
        return SamplingDraw.objects.none()
    if user.is_staff:
        qs = SamplingDraw.objects.all()
    else:
        reach = _under(manager_paths(user), "issuer__path")
        if reach is None:
            return SamplingDraw.objects.none()
        qs = SamplingDraw.objects.filter(reach)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.select_related("issuer", "drawn_by").order_by("-drawn_at", "-id")


def unit_key_evaluations(
    unit: Procuratorate, *, fiscal_year: int | None = None
) -> QuerySet[KeyEvaluation]:
    """The key evaluations of the unit's own projects (its own host)."""
    qs = KeyEvaluation.objects.filter(unit=unit)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return (
        qs.select_related("unit", "issuer")
        .prefetch_related("indicators")
        .order_by("fiscal_year", "project_code", "id")
    )


def key_results(unit: Procuratorate) -> dict[int, tuple[Decimal | None, str]]:
    """project id → (key score, key grade) of the unit's finalised key evaluations: what
    ``ProjectFact.key_score`` / ``key_grade`` hold (for a rebuild of the facts)."""
    return {
        project_id: (score, grade)
        for project_id, score, grade in KeyEvaluation.objects.filter(
            unit=unit, status=KeyEvaluationStatus.FINALISED
        ).values_list("project_id", "key_score", "key_grade")
    }


def evaluators_for(issuer: Procuratorate) -> QuerySet[User]:
    """Active users granted ``Op.KEY_EVALUATION_SCORE`` (the evaluator role) at the issuer or
    above: whom it may assign."""
    return (
        User.objects.filter(
            policy.membership_condition(Op.KEY_EVALUATION_SCORE, "memberships__"),
            is_active=True,
            memberships__unit__path__in=issuer.ancestor_paths,
        )
        .distinct()
        .order_by("username")
    )
