"""DataLoaders: a nested object (or list) is loaded for every parent of a response in one
query, instead of one query per parent (N+1).

graphql-core 3 resolves synchronously and knows nothing of ``promise``; the view executes with
``ExecutionContext`` below (graphql-sync-dataloaders' ``DeferredExecutionContext``), which lets
a resolver return a ``SyncFuture`` and runs the loaders' batches once every sibling has asked
for its key. A loader
lives for one request (``Loader.of(info)`` keeps it on ``info.context``), so nothing is cached
across requests, users or units.

Each domain's loaders are in ``graphql_schema/<domain>/dataloaders.py``; a resolver returns
``SomeLoader.of(info).load(root.pk)``. Rule: every list field of both schemas has an entry in
``tests/graphql/test_query_counts.py`` (same query count at 10 and 200 rows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeAlias, TypeVar

import graphene
from django.db.models import Field, Model, QuerySet
from graphql import GraphQLError, GraphQLOutputType
from graphql.pyutils import Path
from graphql_sync_dataloaders import DeferredExecutionContext, SyncDataLoader, SyncFuture

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")
R = TypeVar("R")

# What a resolver hands GraphQL for a loaded value: the value itself when it is there, else
# the future the loader's batch fills (``SyncFuture``, untyped: graphql-sync-dataloaders ships
# no stubs).
Deferred: TypeAlias = T | SyncFuture

_CONTEXT_ATTRIBUTE = "_jixiao_dataloaders"


class ExecutionContext(DeferredExecutionContext):
    """graphql-sync-dataloaders 0.1.1 calls ``handle_field_error(error, return_type)``, from
    before graphql-core 3.2.4 added the field's ``path`` (errors of positions already nulled are
    dropped by path). Without it every resolver error became a TypeError; the path is rebuilt
    from the error's own."""

    def handle_field_error(
        self, error: GraphQLError, return_type: GraphQLOutputType, path: Path | None = None
    ) -> None:
        if path is None:
            for key in error.path or ():
                path = Path(path, key, None)
        super().handle_field_error(error, return_type, path)


class DataLoader(SyncDataLoader, Generic[K, V]):
    """A batch loader for one request: ``batch_load(keys)`` answers every key in one query,
    a value per key in the keys' order."""

    def __init__(self) -> None:
        super().__init__(self.batch_load)

    @classmethod
    def of(cls, info: graphene.ResolveInfo) -> Self:
        """This request's loader of the class (created on first use)."""
        context = info.context
        loaders: dict[type, DataLoader[Any, Any]] | None = getattr(
            context, _CONTEXT_ATTRIBUTE, None
        )
        if loaders is None:
            loaders = {}
            setattr(context, _CONTEXT_ATTRIBUTE, loaders)
        loader = loaders.get(cls)
        if loader is None:
            loader = loaders[cls] = cls()
        return loader

    def batch_load(self, keys: Sequence[K]) -> list[V]:
        raise NotImplementedError

    if TYPE_CHECKING:
        # SyncDataLoader's own ``load``, typed by the loader's key and value.
        def load(self, key: K) -> Deferred[V]: ...


class ChildrenLoader(DataLoader[Any, list[Any]]):
    """The rows of ``model`` whose foreign key ``parent_field`` points at each key, in the
    queryset's order (the model's ordering unless ``queryset`` says otherwise)."""

    model: ClassVar[type[Model]]
    parent_field: ClassVar[str]

    def queryset(self) -> QuerySet[Any]:
        return self.model._default_manager.all()

    def batch_load(self, keys: Sequence[Any]) -> list[list[Any]]:
        parent = self.model._meta.get_field(self.parent_field)
        assert isinstance(parent, Field), f"{self.parent_field} is a foreign key"
        attname = parent.attname
        grouped: dict[Any, list[Any]] = defaultdict(list)
        for row in self.queryset().filter(**{f"{self.parent_field}__in": set(keys)}):
            grouped[getattr(row, attname)].append(row)
        return [grouped.get(key, []) for key in keys]


def then(value: Deferred[T], function: Callable[[T], R]) -> Deferred[R]:
    """``function`` applied to a loaded value: at once when it is there, else when the batch
    has run (a future handed to GraphQL in its place)."""
    if not isinstance(value, SyncFuture):
        return function(value)
    if value.done():
        return function(value.result())
    mapped = SyncFuture()
    # The execution context dispatches the batch through the returned future's callback.
    mapped.deferred_callback = value.deferred_callback
    value.deferred_callback = None

    def finish() -> None:
        try:
            mapped.set_result(function(value.result()))
        except Exception as error:
            mapped.set_exception(error)

    value.add_done_callback(finish)
    return mapped


def prefetched_or(root: Model, relation: str, loader: DataLoader[Any, V]) -> Deferred[V]:
    """``root``'s ``relation`` rows: the prefetched ones when a selector prefetched them,
    else through ``loader`` (keyed by ``root``'s primary key)."""
    cache = getattr(root, "_prefetched_objects_cache", {})
    if relation in cache:
        return list(cache[relation])
    return loader.load(root.pk)
