"""Follow-ups: reminders, escalation, return visits, digests and hall notices, run by a sweep."""
