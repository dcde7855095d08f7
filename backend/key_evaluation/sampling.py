"""The sampling rule (domain.md "Sampling"), pure: a share of a population of self-evaluations
chosen at random but reproducibly, without any global random state.

Each member (unit code, project id) gets the rank SHA-256("<seed>|<unit code>|<project id>")
(hex); the population is ordered by rank (then by unit code and project id, should two ranks
ever be equal) and the first ``ceil(share % × N)`` are chosen. The same population and seed
always give the same choice, whatever order the members are listed in; another seed gives an
independent ordering. A member's rank does not depend on the others, so a member added later
never reorders the rest."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Final

HUNDRED: Final = Decimal(100)


@dataclass(frozen=True, order=True)
class Member:
    unit_code: str
    project_id: int


def default_seed(issuer_code: str, fiscal_year: int) -> str:
    return f"{issuer_code}-{fiscal_year}"


def rank(seed: str, member: Member) -> str:
    """The member's place in the draw: a SHA-256 hex digest of seed, unit code and project id."""
    text = f"{seed}|{member.unit_code}|{member.project_id}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sample_size(share: Decimal, population: int) -> int:
    """ceil(share % × N): 15 % of 7 is 1.05, so 2; 0 % is 0; 100 % is everyone."""
    share = Decimal(share)
    if not Decimal(0) <= share <= HUNDRED:
        raise ValueError("share must be within 0..100")
    if population < 0:
        raise ValueError("population must not be negative")
    return int((share * population / HUNDRED).to_integral_value(rounding=ROUND_CEILING))


def choose(population: Iterable[Member], share: Decimal, seed: str) -> list[tuple[Member, str]]:
    """The chosen members with their ranks, in draw order."""
    members = sorted(set(population))
    ranked = sorted(((rank(seed, m), m) for m in members), key=lambda pair: (pair[0], pair[1]))
    size = sample_size(share, len(members))
    return [(m, r) for r, m in ranked[:size]]
