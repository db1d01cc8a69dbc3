"""Audience: customers, imports and segments (API and pages)."""
