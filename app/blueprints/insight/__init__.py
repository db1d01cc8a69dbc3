"""Insight: the dashboard's figures, the activity log and the audit log."""
