"""Campaigns: API and pages."""
