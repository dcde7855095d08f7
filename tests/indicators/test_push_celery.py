"""A push through the real broker: a worker thread consumes from Redis and applies each unit's
target in that unit's schema (the schema travels in the task's ``_schema_name`` header)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from backend.indicators.models import (
    PushTarget,
    Template,
    TemplateIndicator,
    TemplatePush,
    TemplateVersion,
)
from backend.indicators.push_selectors import push_counts, push_status
from backend.indicators.services.push import TargetSpec, push_version
from backend.library.merge import field_values
from backend.library.models import AdoptedTemplate, LibraryIndicator, MergeConflict
from tests.indicators.push_factories import make_version

CODES = ("lengshuijiang", "loudi-louxing")
SCHEMAS = ("lengshuijiang", "loudi_louxing")
TEMPLATE_CODE = "celery-push-template"


def _cleanup() -> None:
    """Remove what the test committed. Library rows first (they point at the template);
    then the public rows, deleted without Django's collector, which would look for the
    tenant tables that point at them in the public schema, where they do not exist."""
    template_ids = list(Template.objects.filter(code=TEMPLATE_CODE).values_list("pk", flat=True))
    for schema in SCHEMAS:
        with schema_context(schema):
            MergeConflict.objects.filter(indicator__template_id__in=template_ids).delete()
            LibraryIndicator.objects.filter(template_id__in=template_ids)._raw_delete("default")
            AdoptedTemplate.objects.filter(template_id__in=template_ids)._raw_delete("default")
    pushes = TemplatePush.objects.filter(version__template_id__in=template_ids)
    PushTarget.objects.filter(push__in=pushes)._raw_delete("default")
    pushes._raw_delete("default")
    TemplateIndicator.objects.filter(version__template_id__in=template_ids)._raw_delete("default")
    TemplateVersion.objects.filter(template_id__in=template_ids)._raw_delete("default")
    Template.objects.filter(pk__in=template_ids)._raw_delete("default")


@pytest.fixture
def worker(celery_worker_thread: None) -> Iterator[None]:
    try:
        yield
    finally:
        connection.set_schema_to_public()
        _cleanup()


def test_a_push_runs_through_celery_in_each_units_schema(worker: None) -> None:
    from tests.indicators.push_factories import TemplateFactory

    version = make_version(3, template=TemplateFactory(code=TEMPLATE_CODE))
    push = push_version(version, TargetSpec("codes", codes=CODES), user=None)  # queued on commit

    deadline = time.monotonic() + 60
    while push_status(push) == "running":
        assert time.monotonic() < deadline, push_counts(push)
        time.sleep(0.1)

    counts = push_counts(push)
    assert (counts["succeeded"], counts["failed"], counts["total"]) == (2, 0, 2), counts
    expected = {i.code: field_values(i) for i in version.indicators.all()}
    for schema in SCHEMAS:
        with schema_context(schema):
            assert {i.code: field_values(i) for i in LibraryIndicator.objects.all()} == expected
            assert AdoptedTemplate.objects.get().push_id == push.pk
    with schema_context("lianyuan"):
        assert not LibraryIndicator.objects.exists()
    for target in PushTarget.objects.filter(push=push):
        assert (target.attempts, target.created, target.error) == (1, 3, "")
        assert target.duration_ms is not None and target.finished_at is not None
