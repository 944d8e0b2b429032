"""How reps name customers: the in-memory name index a message is matched against, and the aliases reps teach it."""
