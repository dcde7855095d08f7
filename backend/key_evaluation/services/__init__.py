"""Writes of key evaluation (重点评价) and sampling re-review (抽查复核). Public schema.

State machines:

- ``KeyEvaluation``: ``selected`` → ``evaluating`` (evaluators assigned) → ``finalised``.
- ``EvaluatorAssignment``: ``assigned`` (the evaluator records scores, as often as they like)
  → ``submitted`` (frozen).

Who (``backend.accounts.policy``): the issuer's managers (``Op.KEY_EVALUATION_MANAGE`` granted
at the issuer or above, or platform staff) select, assign, draw and finalise; only the assigned
evaluator (``Op.KEY_EVALUATION_SCORE``) records and submits their own scores. Anything else is a
``DomainError``.

Modules: ``access`` (who may organise), ``selection``, ``evaluators`` (assignment and score
sheets), ``finalising``, ``sampling``, ``settings``. This package re-exports their public
functions, the API the GraphQL mutations, the console pages and the demo call.
"""

from backend.key_evaluation.services.access import (
    DEFAULT_SHARE,
    ISSUER_LEVELS,
    Actor,
    is_manager,
)
from backend.key_evaluation.services.evaluators import (
    assign_evaluators,
    record_evaluator_scores,
    submit_evaluator_scores,
)
from backend.key_evaluation.services.finalising import finalise_key_evaluation
from backend.key_evaluation.services.sampling import draw_sample
from backend.key_evaluation.services.selection import select_for_key_evaluation
from backend.key_evaluation.services.settings import set_key_evaluation_policy

__all__ = [
    "DEFAULT_SHARE",
    "ISSUER_LEVELS",
    "Actor",
    "assign_evaluators",
    "draw_sample",
    "finalise_key_evaluation",
    "is_manager",
    "record_evaluator_scores",
    "select_for_key_evaluation",
    "set_key_evaluation_policy",
    "submit_evaluator_scores",
]
