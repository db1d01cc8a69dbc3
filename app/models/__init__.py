"""Every model, re-exported so `from app.models import X` works and Alembic sees all tables."""
from app.models.accounts import Account, Membership, MemberRole, RefreshToken, User, UserRole, UserStatus
from app.models.activity import ActivityEvent, IdempotencyKey
from app.models.base import utcnow
from app.models.campaigns import (
    TRANSITIONS, AdsStatus, Campaign, CampaignMetric, CampaignStatus, Channel, Priority,
)

__all__ = [
    "Account", "ActivityEvent", "AdsStatus", "Campaign", "CampaignMetric", "CampaignStatus", "Channel",
    "Priority", "TRANSITIONS", "IdempotencyKey", "Membership", "MemberRole", "RefreshToken",
    "User", "UserRole", "UserStatus", "utcnow",
]
