"""Writes of the evaluation app: the project self-evaluation (``project``), the department-wide
evaluation (``department``) and what they share (``common``). The XLSX table is in
``backend/evaluation/xlsx.py``."""

from backend.evaluation.services.department import (
    finalise_department_evaluation,
    record_department_evaluation,
    return_department_evaluation,
    start_department_evaluation,
    submit_department_evaluation,
)
from backend.evaluation.services.project import (
    finalise_self_evaluation,
    record_self_evaluation,
    return_self_evaluation,
    start_self_evaluation,
    submit_self_evaluation,
)

__all__ = [
    "finalise_department_evaluation",
    "finalise_self_evaluation",
    "record_department_evaluation",
    "record_self_evaluation",
    "return_department_evaluation",
    "return_self_evaluation",
    "start_department_evaluation",
    "start_self_evaluation",
    "submit_department_evaluation",
    "submit_self_evaluation",
]
