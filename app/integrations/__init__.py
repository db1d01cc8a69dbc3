"""The outside world behind small interfaces; integrations raise these, never a vendor's exception."""


class IntegrationError(Exception):
    """An outside service failed in a way that retrying will not fix."""


class RetryableIntegrationError(IntegrationError):
    """A temporary failure: try again, after `retry_after` seconds if the service said so."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
