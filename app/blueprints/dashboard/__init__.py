"""The dashboard: the current account at a glance."""
