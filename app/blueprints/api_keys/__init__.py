"""API keys for integrators: made by owners, shown once, revocable."""
