"""Importing the whole reference province, committed (no per-test transaction)."""

from __future__ import annotations

import pytest

from tenants.models import Domain, Procuratorate
from tenants.references import disposing_of_units
from tenants.services import import_units, read_units_csv


@pytest.mark.slow
def test_the_whole_province_imports(django_db_setup, django_db_blocker) -> None:
    """The 137 units of the reference CSV (the 10 session units are skipped). Committed, one
    transaction per unit as in production: a single transaction over a hundred schemas would
    exhaust max_locks_per_transaction (design.md §7). The units are removed afterwards."""
    from backend.demo.services import UNITS_CSV

    with django_db_blocker.unblock():
        before = set(Procuratorate.objects.values_list("code", flat=True))
        try:
            report = import_units(read_units_csv(UNITS_CSV))
            assert report.errors == []
            assert len(report.created) + len(report.skipped) == 137
            assert Procuratorate.objects.filter(level="city").count() == 14
            assert Procuratorate.objects.filter(code__in=report.created).count() == len(
                report.created
            )
        finally:
            added = Procuratorate.objects.exclude(code__in=before).order_by("-depth")
            Domain.objects.filter(tenant__in=added).delete()
            with disposing_of_units():
                for unit in added:
                    unit.delete(force_drop=True)
