"""Cross-unit reads of the console's 指标库与模板 pages: the template list with each template's
last push, two versions side by side, a push's progress, the conflict inbox, one unit's open
conflicts and the drift report.

Everything but ``unit_conflicts`` reads the public schema (templates, versions, pushes and
their targets). A push target records what each unit ran and how many fields were left in
conflict, so the inbox and the drift report need no scan across the units' schemas; the
conflicts themselves live in the unit's schema and are read there, one unit at a time
(``schema_context``, design.md §1). Each function runs a fixed number of queries whatever the
number of units or indicators."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django_tenants.utils import schema_context

from backend.core import cleaning
from backend.indicators import selectors as indicator_selectors
from backend.indicators.models import (
    IndicatorFields,
    PushStatus,
    PushTarget,
    Template,
    TemplateIndicator,
    TemplatePush,
    TemplateVersion,
    VersionStatus,
)
from backend.indicators.push_selectors import push_counts, push_status
from backend.indicators.services.push import DONE
from backend.indicators.services.validation import FIELD_LABELS
from backend.library.models import ConflictStatus, MergeConflict
from tenants.models import Procuratorate

# --- the template list --------------------------------------------------------------------------


def template_rows(*, search: str = "") -> QuerySet[Template]:
    """Every template (``indicators.selectors.templates``: latest, published and draft
    numbers) with its last push: ``last_push_id`` and ``last_push_at``. One query."""
    last = TemplatePush.objects.filter(version__template=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    return indicator_selectors.templates(search=search or None).annotate(
        last_push_id=Subquery(last.values("pk")[:1]),
        last_push_at=Subquery(last.values("created_at")[:1]),
    )


# --- two versions side by side ------------------------------------------------------------------

# The fields the comparison shows, in the editor's order (sort order is left out: moving a row
# is not a change of what the indicator says).
DIFF_FIELDS: tuple[str, ...] = tuple(f for f in IndicatorFields.CONTENT_FIELDS if f != "sort_order")


@dataclass(frozen=True)
class DiffRow:
    """One indicator code across the two versions: ``state`` is ``added`` (only in the right
    one), ``removed`` (only in the left), ``changed`` (``changed`` names the fields) or
    ``same``."""

    code: str
    left: TemplateIndicator | None
    right: TemplateIndicator | None
    state: str
    changed: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class VersionDiff:
    left: TemplateVersion
    right: TemplateVersion
    rows: list[DiffRow]
    fields: tuple[tuple[str, str], ...]

    @property
    def counts(self) -> dict[str, int]:
        counts = {"added": 0, "removed": 0, "changed": 0, "same": 0}
        for row in self.rows:
            counts[row.state] += 1
        return counts


def _comparable(indicator: TemplateIndicator, name: str) -> Any:
    value = getattr(indicator, name)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def compare(left: TemplateVersion, right: TemplateVersion) -> VersionDiff:
    """The indicators of two versions matched by code: right-hand order, removed ones after.
    Both versions must come with their indicators prefetched (``version_with_indicators``)."""
    on_left = {i.code: i for i in left.indicators.all()}
    on_right = {i.code: i for i in right.indicators.all()}
    rows: list[DiffRow] = []
    for code, new in on_right.items():
        old = on_left.get(code)
        if old is None:
            rows.append(DiffRow(code, None, new, "added"))
            continue
        changed = frozenset(
            name for name in DIFF_FIELDS if _comparable(old, name) != _comparable(new, name)
        )
        rows.append(DiffRow(code, old, new, "changed" if changed else "same", changed))
    rows.extend(
        DiffRow(code, old, None, "removed") for code, old in on_left.items() if code not in on_right
    )
    fields = tuple((name, FIELD_LABELS[name]) for name in DIFF_FIELDS)
    return VersionDiff(left, right, rows, fields)


# --- a push's progress --------------------------------------------------------------------------


@dataclass(frozen=True)
class PushProgress:
    push: TemplatePush
    counts: dict[str, int]
    status: str  # push_selectors: running, completed, completed_with_errors
    failed: list[PushTarget]

    @property
    def done(self) -> int:
        return (
            self.counts[PushStatus.SUCCEEDED]
            + self.counts[PushStatus.CONFLICTED]
            + self.counts[PushStatus.FAILED]
        )

    @property
    def percent(self) -> int:
        total = self.counts["total"]
        return round(100 * self.done / total) if total else 100

    @property
    def finished(self) -> bool:
        return self.status != "running"


def push_with_version(push_id: int) -> TemplatePush | None:
    return (
        TemplatePush.objects.select_related("version__template", "created_by")
        .filter(pk=push_id)
        .first()
    )


FAILED_SHOWN = 200


def push_progress(push: TemplatePush) -> PushProgress:
    """The push's counts per status and its failed units (the first ``FAILED_SHOWN`` in
    hierarchy order, with their errors). Two queries."""
    counts = push_counts(push)
    failed = list(indicator_selectors.push_targets(push, status=PushStatus.FAILED)[:FAILED_SHOWN])
    return PushProgress(push, counts, push_status(push, counts), failed)


def target_of(push_id: int, target_id: int) -> PushTarget | None:
    return (
        PushTarget.objects.select_related("unit", "push")
        .filter(pk=target_id, push_id=push_id)
        .first()
    )


# --- scopes of a push ---------------------------------------------------------------------------


def cities(paths: Sequence[str]) -> QuerySet[Procuratorate]:
    """The active cities under the reader's scope, by path."""
    return Procuratorate.objects.filter(_under(paths), level="city", active=True).order_by("path")


def _under(paths: Sequence[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return condition


# --- the conflict inbox -------------------------------------------------------------------------


def _latest_done_per_unit_and_template() -> Q:
    """Targets that are the last finished push of their template to their unit."""
    newer = PushTarget.objects.filter(
        unit=OuterRef("unit"),
        push__version__template=OuterRef("push__version__template"),
        status__in=DONE,
        push__created_at__gt=OuterRef("push__created_at"),
    )
    return ~Q(Exists(newer))


INBOX_ORDER = {
    "unit": ("unit__path", "push__version__template__code"),
    "name": ("unit__name", "unit__path", "push__version__template__code"),
    "-name": ("-unit__name", "unit__path", "push__version__template__code"),
    "-conflicts": ("-conflicts", "unit__path", "push__version__template__code"),
    "conflicts": ("conflicts", "unit__path", "push__version__template__code"),
}


def conflict_inbox(
    paths: Sequence[str], *, template: str = "", sort: str = "unit"
) -> QuerySet[PushTarget]:
    """The units with fields left in conflict: for each unit and template, the last push
    that reached it, when it still counts open conflicts (``PushTarget.conflicts``, kept
    current by ``library.services.resolve_conflict``). Unit order. One query to evaluate."""
    qs = (
        PushTarget.objects.filter(status=PushStatus.CONFLICTED, conflicts__gt=0)
        .filter(_latest_done_per_unit_and_template())
        .filter(unit__in=Procuratorate.objects.filter(_under(paths)))
        .select_related("unit", "push__version__template")
    )
    if template:
        qs = qs.filter(push__version__template__code=template)
    return qs.order_by(*INBOX_ORDER.get(sort, INBOX_ORDER["unit"]))


def unit_in_scope(paths: Sequence[str], code: str) -> Procuratorate | None:
    return Procuratorate.objects.filter(_under(paths), code=code).first()


@dataclass(frozen=True)
class ConflictRow:
    """An open conflict as the page shows it: the three values in the words of the field."""

    conflict: MergeConflict
    template: Template | None
    label: str
    base: str
    upstream: str
    local: str


def shown_value(name: str, value: Any) -> str:
    """A stored (JSON) field value as a reader reads it: choices by their label, yes/no."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    try:
        model_field = cleaning.column(IndicatorFields, name)
    except Exception:  # an unknown field name: shown as stored
        return str(value)
    choices = dict(model_field.choices or ())
    if choices:
        return str(choices.get(value, value))
    return str(value)


def unit_conflicts(unit: Procuratorate) -> list[ConflictRow]:
    """The unit's open conflicts, read in its schema, with their indicator, the version that
    raised them and its template. One query."""
    with schema_context(unit.schema_name):
        conflicts = list(
            MergeConflict.objects.filter(status=ConflictStatus.OPEN)
            .select_related("indicator__template", "version")
            .order_by("indicator__template_id", "indicator__sort_order", "indicator_id", "field")
        )
    return [
        ConflictRow(
            conflict=c,
            template=c.indicator.template,
            label=FIELD_LABELS.get(c.field, c.field),
            base=shown_value(c.field, c.base_value),
            upstream=shown_value(c.field, c.upstream_value),
            local=shown_value(c.field, c.local_value),
        )
        for c in conflicts
    ]


def conflict_in(unit: Procuratorate, conflict_id: int) -> MergeConflict | None:
    with schema_context(unit.schema_name):
        return MergeConflict.objects.filter(pk=conflict_id).first()


# --- the drift report ---------------------------------------------------------------------------

CURRENT, BEHIND, NEVER = "current", "behind", "never"
DRIFT_LABELS = {CURRENT: "已是最新版本", BEHIND: "版本落后", NEVER: "尚未推送"}


@dataclass(frozen=True)
class Drift:
    template: Template
    latest: TemplateVersion | None
    counts: dict[str, int]
    units: QuerySet[Procuratorate]  # annotated: running (number), conflicts


DRIFT_ORDER = {
    "unit": ("path",),
    "name": ("name", "path"),
    "-name": ("-name", "path"),
    "running": ("running", "path"),
    "-running": ("-running", "path"),
    "-conflicts": ("-open_conflicts", "path"),
}


def drift(
    template: Template, paths: Sequence[str], *, state: str = "", sort: str = "unit"
) -> Drift:
    """Where every active unit of the scope stands on ``template``: the version it runs (the
    highest one a push delivered to it, ``running``), its open conflicts (``conflicts``, from
    that push) and whether that is the latest published version. ``units`` is filtered by
    ``state`` (current, behind, never) and lazy (paginate it). Three queries."""
    latest = indicator_selectors.latest_published_version(template)
    delivered = PushTarget.objects.filter(
        unit=OuterRef("pk"), push__version__template=template, status__in=DONE
    ).order_by("-push__version__number", "-push__created_at")
    units = (
        Procuratorate.objects.filter(_under(paths), active=True)
        .annotate(
            running=Subquery(delivered.values("push__version__number")[:1]),
            open_conflicts=Subquery(delivered.values("conflicts")[:1]),
        )
        .order_by(*DRIFT_ORDER.get(sort, DRIFT_ORDER["unit"]))
    )
    number = latest.number if latest else None
    counts = {CURRENT: 0, BEHIND: 0, NEVER: 0}
    for running in units.values_list("running", flat=True):
        counts[_state(running, number)] += 1
    if state == CURRENT and number is not None:
        units = units.filter(running__gte=number)
    elif state == BEHIND:
        units = units.filter(running__isnull=False)
        if number is not None:
            units = units.filter(running__lt=number)
    elif state == NEVER:
        units = units.filter(running__isnull=True)
    return Drift(template, latest, counts, units)


def _state(running: int | None, latest: int | None) -> str:
    if running is None:
        return NEVER
    if latest is None or running >= latest:
        return CURRENT
    return BEHIND


def state_of(running: int | None, latest: int | None) -> str:
    return _state(running, latest)


def latest_push_at(template: Template) -> Any:
    return TemplatePush.objects.filter(version__template=template).aggregate(at=Max("created_at"))[
        "at"
    ]


def published_versions(template: Template) -> QuerySet[TemplateVersion]:
    return TemplateVersion.objects.filter(
        template=template, status=VersionStatus.PUBLISHED
    ).order_by("-number")
