"""Writes of a unit's in-year monitoring (绩效运行监控). Every function runs in the CURRENT
schema, which must be the unit's (a request's tenant, ``tenant_context``, or a task's schema).

- ``start_entry`` / ``record_entry`` / ``submit_entry``: a project's figures at a round —
  spending to date (from the project's expenditures when it has any, else entered), execution
  rate, time progress, the year-end forecast, and per goal indicator its progress, likelihood,
  deviation cause and corrective measure. While the round is open; after it closes only as a
  late entry (逾期补报: with the unit's reason, flagged late with its date, never refused), by
  the unit's ``unit_finance``. Submitting checks every indicator (each problem
  names it), then in the same transaction raises the project's alerts and refreshes the public
  ``ExecutionFact`` of the unit's month and the ``AlertRecord`` mirrors (design.md §3).
- ``answer_alert``: open → answered (continue, re-allocate or cancel, with a note), by the
  unit's ``unit_finance`` or ``unit_leader``.
- ``sweep_unit``: every rule of ``rules.py`` over the unit, in one transaction: alerts upserted
  by key (never a duplicate), those not found again resolved, the past year's closed.
- ``dispatch_sweeps`` / ``sweep_all_inline``: the sweep of every active unit, fanned out as one
  Celery task per unit with the unit's schema passed explicitly, or run in this process.

The life of an alert: ``open`` (raised, with its evidence and an answer due within the
province's working days) → ``answered`` → ``resolved`` (the numbers recovered, or the year
ended). An alert's key names its round; when a project's next round finds the same problem
(same kind, project and indicator), the earlier alert is resolved as carried over and the new
one keeps its answer and its deadline, so a problem is never live twice and a unit never gains
time by waiting for the next round.

Modules: ``base`` (the unit, roles, round window), ``spending``, ``entries``, ``alerts``, ``sweep``,
``dispatch`` (every unit). This package re-exports their public names, the API the GraphQL
mutations, the pages, the tasks and the demo call.
"""

from backend.monitoring.services.alerts import (
    answer_alert,
    mirror_alerts,
)
from backend.monitoring.services.base import (
    CENT,
    LATE_REASON_LIMIT,
    LIVE,
    MESSAGE_LIMIT,
    RATE_UNITS,
    RESOLVED_EXTENDED,
    RESOLVED_RECOVERED,
    RESOLVED_REPORTED,
    RESOLVED_YEAR_END,
    AnyUser,
    add_working_days,
    current_unit,
    month_end,
)
from backend.monitoring.services.dispatch import (
    dispatch_sweeps,
    sweep_all_inline,
)
from backend.monitoring.services.entries import (
    ENTRY,
    INDICATOR_FIELDS,
    record_entry,
    start_entry,
    submit_entry,
)
from backend.monitoring.services.spending import (
    spread_cumulative,
)
from backend.monitoring.services.sweep import (
    SweepResult,
    sweep_unit,
    sweep_unit_once,
)

__all__ = [
    "CENT",
    "ENTRY",
    "INDICATOR_FIELDS",
    "LATE_REASON_LIMIT",
    "LIVE",
    "MESSAGE_LIMIT",
    "RATE_UNITS",
    "RESOLVED_EXTENDED",
    "RESOLVED_RECOVERED",
    "RESOLVED_REPORTED",
    "RESOLVED_YEAR_END",
    "AnyUser",
    "SweepResult",
    "add_working_days",
    "answer_alert",
    "current_unit",
    "dispatch_sweeps",
    "mirror_alerts",
    "month_end",
    "record_entry",
    "spread_cumulative",
    "start_entry",
    "submit_entry",
    "sweep_all_inline",
    "sweep_unit",
    "sweep_unit_once",
]
