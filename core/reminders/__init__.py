"""What the bot says first: a rep's agenda, the morning digest, nudges, escalations and greetings."""
