"""The console's cross-unit reads for the province, the cities and the evaluators (no writes,
no rules of their own): one module per console area (``home``, ``units``, ``templates``,
``review``, ``benchmark``, ``feedback``, ``key_evaluations``, ``linkage``). Each selector takes
the reader's scope (``ConsoleAccess.paths(op)``) and runs a fixed number of queries whatever the
number of units."""
