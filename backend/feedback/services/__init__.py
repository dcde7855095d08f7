"""Results application (结果应用): every write of the feedback app.

- ``apply_evaluation_result``: the one entry point the finalisation of a self-evaluation calls,
  inside its transaction (connection on the unit's schema, ``public`` behind it on the search
  path): next year's budget linkage suggestion for the project and the unit, the fact mirror,
  and for a 差 the automatic rectification request (once per evaluation);
- the rectification life: ``open_rectification`` → ``respond_rectification`` →
  ``accept_rectification`` | ``reject_rectification`` (→ open again); ``flag_overdue`` (daily);
- ``decide_linkage``: a person records next year's budget decision with its reason;
- feedback batches: ``issue_feedback``, ``mark_feedback_read``, ``answer_feedback``;
- ``set_results_policy``: the province's results-application settings.

Who may act is checked here (a domain rule, not a resolver detail); the GraphQL layer only
checks that a caller is signed in and on the right host.

Modules: ``base`` (money, the province, who may act), ``linkage``, ``results`` (the entry point of a
finalised self-evaluation), ``rectifications``, ``batches``, ``settings``. This package
re-exports their public names, the API the GraphQL mutations, the pages, the tasks and the demo
call.
"""

from backend.feedback.services.base import (
    CENT,
    GRADES,
    HUNDRED,
    can_decide_linkage,
    can_review_rectification,
    in_subtree,
    money,
    policy_or_default,
)
from backend.feedback.services.batches import (
    FILTER_KEYS,
    answer_feedback,
    issue_feedback,
    mark_feedback_read,
    unit_figures,
)
from backend.feedback.services.linkage import (
    LinkageSuggestion,
    decide_linkage,
    suggest_linkage,
    unit_score,
)
from backend.feedback.services.rectifications import (
    accept_rectification,
    flag_overdue,
    open_rectification,
    reject_rectification,
    respond_rectification,
)
from backend.feedback.services.results import (
    EvaluationResult,
    apply_evaluation_result,
    open_for_overrated_self_evaluation,
    refresh_unit_linkage,
)
from backend.feedback.services.settings import (
    POLICY_FIELDS,
    set_results_policy,
)

__all__ = [
    "CENT",
    "FILTER_KEYS",
    "GRADES",
    "HUNDRED",
    "POLICY_FIELDS",
    "EvaluationResult",
    "LinkageSuggestion",
    "accept_rectification",
    "answer_feedback",
    "apply_evaluation_result",
    "can_decide_linkage",
    "can_review_rectification",
    "decide_linkage",
    "flag_overdue",
    "in_subtree",
    "issue_feedback",
    "mark_feedback_read",
    "money",
    "open_for_overrated_self_evaluation",
    "open_rectification",
    "policy_or_default",
    "refresh_unit_linkage",
    "reject_rectification",
    "respond_rectification",
    "set_results_policy",
    "suggest_linkage",
    "unit_figures",
    "unit_score",
]
