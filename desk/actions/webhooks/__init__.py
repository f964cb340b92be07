"""Webhooks: the subscriptions an admin keeps, the deliveries events write (the outbox), and
the outcome of each attempt."""
