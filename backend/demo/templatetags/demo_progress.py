"""``{% demo_progress %}``: a one-line banner while the demo's history loads in the background
(read from the progress record, ``backend.demo.history``); nothing otherwise."""

from __future__ import annotations

from django import template

from backend.demo import history

register = template.Library()


@register.inclusion_tag("demo/progress.html")
def demo_progress() -> dict[str, object]:
    record = history.read_progress()
    if record is None or record.state == history.DONE:
        return {"progress": None}
    return {"progress": record, "failed": record.state == history.FAILED}
