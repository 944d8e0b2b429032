"""The chat's own state and what the bot sends: stored button keys, pending multi-step cards, the outbox and the planned messages written to it."""
