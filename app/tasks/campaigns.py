"""Campaign lifecycle on the clock."""
from celery import shared_task

from app.services import campaigns


@shared_task(name="campaigns.advance_lifecycle", soft_time_limit=240, time_limit=300)
def advance_lifecycle() -> dict:
    """Every minute from beat: scheduled campaigns start at their start date, running ones finish at their end."""
    return campaigns.advance_lifecycle()
