"""Sign-up, login, tokens and the caller's profile."""
