import django_filters
from django.db.models import QuerySet

from graphql_schema.core.filters import GlobalIDFilterSet
from tenants import selectors
from tenants.models import Procuratorate, UnitLevel


class UnitFilter(GlobalIDFilterSet):
    level = django_filters.CharFilter(
        method="filter_level", help_text="province, city, county or special (any case)"
    )
    parent = django_filters.CharFilter(
        method="filter_parent", help_text="code of the direct parent"
    )
    under = django_filters.CharFilter(
        method="filter_under", help_text="code of a unit: every unit below it"
    )
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Procuratorate
        fields = ["active"]

    def filter_level(
        self, queryset: QuerySet[Procuratorate], name: str, value: str
    ) -> QuerySet[Procuratorate]:
        if value.lower() not in UnitLevel.values:
            return queryset.none()
        return queryset.filter(level=value.lower())

    def filter_parent(
        self, queryset: QuerySet[Procuratorate], name: str, value: str
    ) -> QuerySet[Procuratorate]:
        return queryset.filter(parent__code=value)

    def filter_under(
        self, queryset: QuerySet[Procuratorate], name: str, value: str
    ) -> QuerySet[Procuratorate]:
        root = selectors.unit_by_code(value)
        if root is None:
            return queryset.none()
        return queryset.filter(path__startswith=root.path).exclude(pk=root.pk)

    def filter_search(
        self, queryset: QuerySet[Procuratorate], name: str, value: str
    ) -> QuerySet[Procuratorate]:
        return queryset.filter(name__icontains=value) | queryset.filter(code__icontains=value)
