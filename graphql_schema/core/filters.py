import django_filters
from graphene_django.filter import GlobalIDFilter


class GlobalIDFilterSet(django_filters.FilterSet):
    """With BigAutoField primary keys graphene-django's filters stop accepting Relay global IDs
    for ``id``; every FilterSet derives from this one to keep them working."""

    id = GlobalIDFilter()
