"""Staff accounts, roles, API tokens, console sessions and the audit log."""
