import django_filters

from graphql_schema.core.filters import GlobalIDFilterSet
from tenants.models import Procuratorate, UnitLevel


class UnitFilter(GlobalIDFilterSet):
    level = django_filters.ChoiceFilter(choices=UnitLevel.choices)
    parent = django_filters.CharFilter(
        method="filter_parent", help_text="code of the direct parent"
    )
    under = django_filters.CharFilter(
        method="filter_under", help_text="code of a unit: every unit below it"
    )
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Procuratorate
        fields = ["level", "active"]

    def filter_parent(self, queryset, name, value):
        return queryset.filter(parent__code=value)

    def filter_under(self, queryset, name, value):
        return queryset.filter(path__contains=f"/{value}/").exclude(code=value)

    def filter_search(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(code__icontains=value)
