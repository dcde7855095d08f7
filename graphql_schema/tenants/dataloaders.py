"""Loaders of the unit registry (``graphql_schema/core/dataloaders.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from graphql_schema.core.dataloaders import DataLoader
from tenants.models import Procuratorate


class UnitLoader(DataLoader[int, Procuratorate | None]):
    """Units by primary key: a unit's ``parent`` where the list's selector did not select it
    (a fact's ``unit`` comes with ``select_related("unit")``, its parent does not)."""

    def batch_load(self, keys: Sequence[int]) -> list[Procuratorate | None]:
        units = Procuratorate.objects.in_bulk(set(keys))
        return [units.get(key) for key in keys]
