"""Accounts (tenants), the account switcher, and team members."""
