"""Adapters to data and services outside the domain: each has an interface and one or more implementations."""
