"""Tiers as stored: the policy in force and its versions, facts loaded in SQL for the engine, re-tiering the book, manager overrides, the review cycle and its notices, and the tiers report."""
