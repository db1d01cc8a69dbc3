"""Webhooks: endpoints subscribing to the account's events, their delivery log, tests and redeliveries."""
