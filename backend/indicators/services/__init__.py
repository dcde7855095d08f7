"""Writes of the provincial indicator library, one module per concern:

- ``authoring``: templates, draft versions, indicators, publish and retire;
- ``validation``: the checks a version must pass to be published;
- ``xlsx``: the indicator-library sheet, in and out;
- ``starter``: the demo's starter library;
- ``push``: pushing a published version down to units.
"""
