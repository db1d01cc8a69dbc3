"""Regression tests for what an outside probe broke (issue 8): one test per finding, named for the behaviour it guards."""
