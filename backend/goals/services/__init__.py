"""Writes and checks of a unit's performance goals. Every function runs in the CURRENT schema,
which must be the unit's; each write is one transaction and reports every problem at once
(``DomainError``); the acting user is recorded in the history (``_history_user``).

- ``drafting``: create a goal (with its template's mandatory indicators), add / change /
  remove its indicators (from the unit's library or written for the goal alone), change its
  text; only while the goal is a draft or returned (an edit of a returned goal makes it a draft
  again).
- ``checks``: what a goal must satisfy to be submitted (errors) and what the reviewer is shown
  (warnings, e.g. a target below last year's result); no writes.
- ``workflow``: the review state machine (submit, review by the unit leader and the city
  reviewer, grades, adjustment requests of approved goals) and the public facts it records.
- ``xlsx``: the standard goal declaration form (绩效目标申报表), export and import.
"""
