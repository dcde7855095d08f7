"""Sampling re-review (抽查复核): a reproducible draw of finalised self-evaluations."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from backend.benchmarking.models import ProjectFact
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.key_evaluation import sampling
from backend.key_evaluation.models import (
    KeyEvaluation,
    KeyEvaluationKind,
    SamplingDraw,
)
from backend.key_evaluation.services.access import (
    DEFAULT_SHARE,
    Actor,
    require_issuer,
    require_manager,
)
from backend.key_evaluation.services.selection import create_from_snapshot
from backend.oversight.selectors import policy_for
from tenants.models import Procuratorate


@transaction.atomic
def draw_sample(
    issuer: Procuratorate,
    actor: Actor,
    fiscal_year: int,
    share: Decimal | None = None,
    seed: str | None = None,
) -> SamplingDraw:
    """Draw the self-evaluations of ``fiscal_year`` the issuer re-reviews (domain.md
    "Sampling"; method in ``sampling.py``). Population: the finalised self-evaluations of the
    units below the issuer (``ProjectFact.finalised_at`` set). Chosen: ``ceil(share % × N)`` by
    rank of SHA-256(seed, unit, project) — ``share`` defaults to the province's
    ``sampling_share`` (15), ``seed`` to ``"<issuer code>-<year>"`` — plus every flagged one
    (``evaluation_flags`` not empty). The draw is recorded; a ``sample`` key evaluation is
    created for each chosen or flagged project that has none yet, so drawing again creates
    nothing new."""
    require_issuer(issuer)
    require_manager(actor, issuer)
    problems: list[Problem] = []
    if share is None:
        policy = policy_for(issuer)
        share = policy.sampling_share if policy else DEFAULT_SHARE
    else:
        try:
            share = Decimal(str(share))
        except (InvalidOperation, ValueError):
            share = Decimal(-1)
        if not share.is_finite() or not Decimal(0) <= share <= Decimal(100):
            problems.append(Problem(CoreErrorCode.OUT_OF_RANGE, "抽查比例应在0–100之间。", "share"))
    seed = (seed or "").strip() or sampling.default_seed(issuer.code, fiscal_year)
    if len(seed) > 100:
        problems.append(Problem(CoreErrorCode.TOO_LONG, "随机种子不能超过100个字符。", "seed"))
    if problems:
        raise DomainError(*problems)
    facts = list(
        ProjectFact.objects.filter(
            fiscal_year=fiscal_year,
            finalised_at__isnull=False,
            unit__path__startswith=issuer.path,
        )
        .exclude(unit=issuer)
        .select_related("unit")
        .order_by("unit__path", "project_id")
    )
    by_member = {sampling.Member(f.unit.code, f.project_id): f for f in facts}
    chosen = sampling.choose(by_member, share, seed)
    chosen_members = {m for m, _ in chosen}
    flagged = [m for m, f in by_member.items() if f.evaluation_flags and m not in chosen_members]

    def entry(member: sampling.Member, rank: str | None = None) -> dict[str, Any]:
        fact = by_member[member]
        row: dict[str, Any] = {
            "unit": member.unit_code,
            "project_id": member.project_id,
            "project_code": fact.project_code,
        }
        if rank is not None:
            row["rank"] = rank
        else:
            row["flags"] = list(fact.evaluation_flags)
        return row

    draw = SamplingDraw.objects.create(
        issuer=issuer,
        fiscal_year=fiscal_year,
        share=share,
        seed=seed,
        population_size=len(by_member),
        sample_size=len(chosen),
        chosen=[entry(m, r) for m, r in chosen],
        flagged=[entry(m) for m in flagged],
        drawn_by=actor if actor is not None and actor.is_authenticated else None,
    )
    wanted = [m for m, _ in chosen] + flagged
    # Lock the facts wanted (as a selection does) before looking for existing key evaluations.
    list(
        ProjectFact.objects.select_for_update()
        .filter(pk__in=[by_member[m].pk for m in wanted])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    existing = set(
        KeyEvaluation.objects.filter(
            project_id__in=[m.project_id for m in wanted],
            unit__code__in={m.unit_code for m in wanted},
        ).values_list("unit__code", "project_id")
    )
    created = 0
    for member in sorted(wanted, key=lambda m: (m.unit_code, m.project_id)):
        if (member.unit_code, member.project_id) in existing:
            continue
        fact = by_member[member]
        create_from_snapshot(issuer, actor, fact.unit, fact, KeyEvaluationKind.SAMPLE, draw=draw)
        created += 1
    draw.created = created
    draw.save(update_fields=["created"])
    return draw
