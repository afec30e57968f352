"""Commands typed in chat: ticket actions, queries, binding and roles."""
