"""The outside world behind small interfaces; integrations raise these errors, never a vendor's exception."""


class IntegrationError(Exception):
    """An outside service refused or failed for good: retrying the same call will not help."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class RetryableIntegrationError(IntegrationError):
    """A temporary failure (rate limit, 5xx, timeout): try again, not before `retry_after` seconds if given."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message, status=status)
        self.retry_after = retry_after
