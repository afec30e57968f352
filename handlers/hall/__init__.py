"""The deliberation hall (议事厅): meetings, their agendas and notices, and the hall commands.

Difficult tickets (难事·会场议) are put on the community's earliest upcoming meeting. Each
meeting gets three notices in the six-party group — 3 days, 1 day and 1 hour before — with
the numbered agenda. An empty agenda is announced once ("本次议事厅暂无议题"); the later
reminders of an empty meeting are skipped, so the group is not told three times that there is
nothing to discuss. A meeting nobody adjourned (``休会``) is closed 6 hours after it began, and
its open items roll over to the next meeting, so an item never falls off the agenda.

The exports live in their modules, not here, so that ``handlers.routing`` can import
``handlers.hall.meetings`` without an import cycle: ``meetings.plan_meetings`` (and
``meetings.plan_all``, the scheduler's step) and ``notices.HALL_KINDS`` (the follow-up kinds
for the sweep engine).
"""
