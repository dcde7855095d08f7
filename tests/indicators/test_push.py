"""Pushing a version to units, run in this process (the same run_target the Celery task runs),
inside the test transaction."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from backend.core.errors import DomainError
from backend.indicators.models import PushStatus, PushTarget, TemplatePush
from backend.indicators.push_selectors import push_counts, push_status
from backend.indicators.services import push as push_services
from backend.indicators.services.push import (
    TargetSpec,
    dispatch,
    push_version,
    rerun_push,
    resolve_targets,
    retry_target,
    run_target,
)
from backend.library import services as library_services
from backend.library.merge import field_values
from backend.library.models import AdoptedTemplate, LibraryIndicator
from tenants.models import Procuratorate
from tests.conftest import SESSION_UNITS
from tests.indicators.push_factories import make_version, next_version

pytestmark = pytest.mark.django_db

ALL_CODES = [spec.code for spec in SESSION_UNITS]
LOUDI_COUNTIES = ["lengshuijiang", "lianyuan", "loudi-louxing", "shuangfeng", "xinhua"]


def codes(units) -> list[str]:
    return sorted(unit.code for unit in units)


def run_inline(push: TemplatePush) -> None:
    for target in PushTarget.objects.filter(push=push).select_related("unit"):
        with schema_context(target.unit.schema_name):
            run_target(target.pk)


def library_of(code: str) -> dict[str, dict]:
    with schema_context(Procuratorate.objects.get(code=code).schema_name):
        return {i.code: field_values(i) for i in LibraryIndicator.objects.all()}


def problems(error: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in error.value.problems]


def test_a_push_to_all_units_gives_each_exactly_the_versions_indicators() -> None:
    version = make_version(4)
    push = push_version(version, TargetSpec("all"), user=None, dispatch=False)
    assert push.targets == {"kind": "all"}
    assert push_counts(push) == {
        "total": 10,
        "pending": 10,
        "running": 0,
        "succeeded": 0,
        "conflicted": 0,
        "failed": 0,
    }
    assert push_status(push) == "running"
    run_inline(push)

    expected = {i.code: field_values(i) for i in version.indicators.all()}
    for code in ALL_CODES:
        assert library_of(code) == expected
    counts = push_counts(push)
    assert (counts["succeeded"], counts["total"], push_status(push)) == (10, 10, "completed")
    target = PushTarget.objects.filter(push=push).first()
    assert (target.created, target.attempts, target.error) == (4, 1, "")
    assert target.started_at <= target.finished_at and target.duration_ms is not None

    # Running the targets again is a no-op; so is a second push of the same version.
    run_inline(push)
    assert set(PushTarget.objects.filter(push=push).values_list("attempts", flat=True)) == {1}
    again = push_version(version, TargetSpec("all"), user=None, dispatch=False)
    run_inline(again)
    assert set(
        PushTarget.objects.filter(push=again).values_list("status", "created", "updated")
    ) == {("succeeded", 0, 0)}
    for code in ALL_CODES:
        assert library_of(code) == expected


def test_a_failure_mid_write_leaves_the_unit_untouched_and_can_be_retried(monkeypatch) -> None:
    version = make_version(3)
    push = push_version(
        version,
        TargetSpec("codes", codes=("lengshuijiang", "lianyuan")),
        user=None,
        dispatch=False,
    )
    record = library_services._record_adoption

    def failing(*args, **kwargs):
        # Called after the indicators were inserted: the whole unit must roll back.
        assert LibraryIndicator.objects.count() == 3
        if connection.schema_name == "lianyuan":
            raise RuntimeError("disk on fire")
        return record(*args, **kwargs)

    monkeypatch.setattr(library_services, "_record_adoption", failing)
    run_inline(push)
    targets = {t.unit.code: t for t in PushTarget.objects.filter(push=push).select_related("unit")}
    failed = targets["lianyuan"]
    assert failed.status == PushStatus.FAILED
    assert failed.error == "RuntimeError: disk on fire" and failed.attempts == 1
    assert targets["lengshuijiang"].status == PushStatus.SUCCEEDED
    assert library_of("lianyuan") == {}
    with schema_context("lianyuan"):
        assert not AdoptedTemplate.objects.exists()
    assert push_status(push) == "completed_with_errors"

    with pytest.raises(DomainError) as error:
        retry_target(targets["lengshuijiang"])
    assert problems(error) == [("NOT_FAILED", None)]

    monkeypatch.setattr(library_services, "_record_adoption", record)
    assert retry_target(failed).status == PushStatus.PENDING
    assert push_status(push) == "running"
    with schema_context("lianyuan"):
        done = run_target(failed.pk)
    assert (done.status, done.attempts, done.error, done.created) == ("succeeded", 2, "", 3)
    assert set(library_of("lianyuan")) == {"i1", "i2", "i3"}
    assert push_status(push) == "completed"


def test_a_target_run_in_the_wrong_schema_fails_without_writing() -> None:
    push = push_version(
        make_version(2), TargetSpec("codes", codes=("xinhua",)), user=None, dispatch=False
    )
    target = push.push_targets.get()
    with schema_context("lianyuan"):
        result = run_target(target.pk)
    assert result.status == PushStatus.FAILED
    assert "lianyuan" in result.error and "xinhua" in result.error
    assert library_of("lianyuan") == {} and library_of("xinhua") == {}


def test_conflicts_mark_the_target_conflicted() -> None:
    v1 = make_version(1)
    run_inline(
        push_version(v1, TargetSpec("codes", codes=("shuangfeng",)), user=None, dispatch=False)
    )
    with schema_context("shuangfeng"):
        library_services.update_indicator(
            LibraryIndicator.objects.get(code="i1"), {"weight": "9"}, user=None
        )
    v2 = next_version(v1, {"i1": {"weight": 7}})
    push = push_version(v2, TargetSpec("codes", codes=("shuangfeng",)), user=None, dispatch=False)
    run_inline(push)
    target = push.push_targets.get()
    assert (target.status, target.conflicts, target.updated) == ("conflicted", 1, 0)
    assert push_status(push) == "completed"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (TargetSpec("all"), sorted(ALL_CODES)),
        (
            TargetSpec("level", level="county"),
            sorted([*LOUDI_COUNTIES, "changsha-furong", "changsha-tianxin"]),
        ),
        (TargetSpec("subtree", under="loudi"), LOUDI_COUNTIES),
        (
            TargetSpec("subtree", under="loudi", include_root=True),
            sorted(["loudi", *LOUDI_COUNTIES]),
        ),
        (TargetSpec("subtree", under="hunan", level="city"), ["changsha", "loudi"]),
        (TargetSpec("codes", codes=("xinhua", "changsha", " xinhua ")), ["changsha", "xinhua"]),
    ],
)
def test_target_kinds_resolve_in_one_query(spec, expected, django_assert_num_queries) -> None:
    Procuratorate.objects.exists()  # the connection's search path is set by the first query
    with django_assert_num_queries(1):
        assert codes(resolve_targets(spec)) == expected


def test_inactive_units_are_not_targets(unit) -> None:
    Procuratorate.objects.filter(code="xinhua").update(active=False)
    assert "xinhua" not in codes(resolve_targets(TargetSpec("subtree", under="loudi")))
    assert codes(resolve_targets(TargetSpec("codes", codes=("xinhua", "lianyuan")))) == ["lianyuan"]
    with pytest.raises(DomainError) as error:
        resolve_targets(TargetSpec("codes", codes=("xinhua",)))
    assert problems(error) == [("NO_TARGETS", "targets")]


def test_bad_target_specs_are_refused() -> None:
    with pytest.raises(DomainError) as error:
        resolve_targets(TargetSpec("codes", codes=("lianyuan", "atlantis", "lemuria")))
    assert problems(error) == [("UNKNOWN_UNITS", "codes")]
    assert "atlantis、lemuria" in error.value.problems[0].message
    with pytest.raises(DomainError) as error:
        resolve_targets(TargetSpec("subtree", under="atlantis"))
    assert problems(error) == [("UNKNOWN_UNITS", "under")]
    with pytest.raises(DomainError) as error:
        resolve_targets(TargetSpec("subtree", under="lianyuan"))
    assert problems(error) == [("NO_TARGETS", "targets")]
    with pytest.raises(DomainError) as error:
        resolve_targets(TargetSpec("level", level="galaxy"))
    assert problems(error) == [("INVALID_CHOICE", "level")]
    with pytest.raises(DomainError) as error:
        resolve_targets(TargetSpec("everywhere"))
    assert problems(error) == [("INVALID_TARGETS", "kind")]


def test_a_draft_version_is_refused_with_every_problem() -> None:
    draft = make_version(1, status="draft")
    with pytest.raises(DomainError) as error:
        push_version(draft, TargetSpec("codes", codes=("atlantis",)), user=None)
    assert problems(error) == [("VERSION_NOT_PUBLISHED", "version"), ("UNKNOWN_UNITS", "codes")]
    assert not TemplatePush.objects.exists()


def test_dispatch_queues_each_unfinished_target_with_its_schema(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:
    sent: list[tuple[list[int], dict]] = []
    from backend.indicators import tasks

    monkeypatch.setattr(
        tasks.apply_push_target,
        "apply_async",
        lambda args, headers: sent.append((args, headers)),
    )
    spec = TargetSpec("codes", codes=("lengshuijiang", "loudi-louxing", "xinhua"))
    with django_capture_on_commit_callbacks(execute=True):
        push = push_version(make_version(1), spec, user=None)
    targets = {t.unit.code: t for t in push.push_targets.select_related("unit")}
    assert sorted(sent, key=lambda m: m[0]) == sorted(
        [([t.pk], {"_schema_name": t.unit.schema_name}) for t in targets.values()],
        key=lambda m: m[0],
    )
    assert {"_schema_name": "loudi_louxing"} in [headers for _, headers in sent]

    # A worker died with one running, one succeeded, one failed: the rerun queues two.
    PushTarget.objects.filter(pk=targets["lengshuijiang"].pk).update(status="running")
    PushTarget.objects.filter(pk=targets["loudi-louxing"].pk).update(status="succeeded")
    PushTarget.objects.filter(pk=targets["xinhua"].pk).update(status="failed", error="x")
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert rerun_push(push) == 2
    assert sorted(args[0] for args, _ in sent) == sorted(
        [targets["lengshuijiang"].pk, targets["xinhua"].pk]
    )
    assert PushTarget.objects.get(pk=targets["xinhua"].pk).status == "pending"
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch(push, only=[targets["xinhua"].pk]) == 1
    assert [args for args, _ in sent] == [[targets["xinhua"].pk]]
    assert push_services.DONE == ("succeeded", "conflicted")


def test_push_template_command_inline() -> None:
    version = make_version(2)
    out, err = StringIO(), StringIO()
    call_command(
        "push_template",
        version.template.code,
        "--under",
        "changsha",
        "--inline",
        stdout=out,
        stderr=err,
        verbosity=0,
    )
    assert "succeeded 2" in out.getvalue() and "completed" in out.getvalue()
    assert set(library_of("changsha-furong")) == {"i1", "i2"}
    assert library_of("changsha") == {}

    # --version picks an older one; a unit already on v2 refuses it: non-zero exit.
    v2 = next_version(version)
    call_command(
        "push_template",
        version.template.code,
        "--codes",
        "hunan",
        "--inline",
        verbosity=0,
        stdout=StringIO(),
    )
    with pytest.raises(CommandError, match="failed 1"):
        call_command(
            "push_template",
            version.template.code,
            "--version",
            "1",
            "--codes",
            "hunan",
            "--inline",
            verbosity=0,
            stdout=StringIO(),
            stderr=StringIO(),
        )
    with schema_context("hunan"):
        assert AdoptedTemplate.objects.get().version_id == v2.pk
    with pytest.raises(CommandError, match="unknown template"):
        call_command("push_template", "nope", "--all", "--inline", verbosity=0)
