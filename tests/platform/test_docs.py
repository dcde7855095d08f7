"""The docs the code follows: every file and test docs/domain.md names exists, and every name it
cites in backticks after a module is defined there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = (ROOT / "docs" / "domain.md").read_text()


def test_every_path_named_in_the_domain_rules_exists() -> None:
    paths = set(re.findall(r"`((?:backend|tests)/[\w/]+\.py)`", DOMAIN))
    assert len(paths) > 10
    assert sorted(p for p in paths if not (ROOT / p).exists()) == []


def test_the_rule_functions_named_exist() -> None:
    sources = {
        "scoring": ROOT / "backend/evaluation/scoring.py",
        "rules": ROOT / "backend/monitoring/rules.py",
        "workflow": ROOT / "backend/goals/services/workflow.py",
    }
    named = {
        "scoring": ["score_project", "grade", "quantize", "weight_flags", "funding_flags"],
        "rules": ["project_findings", "silent_finding", "execution_finding", "gap_finding"],
        "workflow": ["GRADE_DECISIONS", "request_adjustment"],
    }
    for module, names in named.items():
        text = sources[module].read_text()
        for name in names:
            assert f"`{name}`" in DOMAIN
            assert re.search(rf"^(def {name}\(|{name}\b.*=)", text, re.M), (module, name)
