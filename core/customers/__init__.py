"""Customers: registering them, the customer card, the book as a table (the Mini App), facts stated in a log, and erasure on request."""
