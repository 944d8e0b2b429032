"""People and teams: accounts' changes, invites and onboarding, strangers, and a manager's levers (overview, reassign, account managers, archive, merge)."""
