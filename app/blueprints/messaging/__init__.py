"""Messaging: sending campaigns, their messages and logs, tracking, notifications."""
