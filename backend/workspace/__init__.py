"""Reads across the unit's domains for its workspace: the to-do list of a role (工作台), a
project's page (its goal, monitoring, evaluations and results in one place) and the unit's
benchmark overview. No models; every function runs in the CURRENT schema (the unit's), with
the public tables behind it on the search path."""
