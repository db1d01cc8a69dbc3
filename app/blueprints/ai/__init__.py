"""AI content: campaign suggestions, product content versions and jobs, token usage (API and pages)."""
