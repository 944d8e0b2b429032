"""What happened with a customer: logged interactions, feedback, follow-ups and opportunities (expected money)."""
