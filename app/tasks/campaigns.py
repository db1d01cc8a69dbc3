"""Campaign lifecycle on the clock."""
from celery import shared_task

from app.services import campaigns


@shared_task(name="campaigns.advance_lifecycle")
def advance_lifecycle() -> dict:
    """Every minute from beat: scheduled campaigns start at their start date, running ones finish at their end."""
    return campaigns.advance_lifecycle()
