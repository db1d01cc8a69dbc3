"""Every model, re-exported so `from app.models import X` works and Alembic sees all tables."""
from app.models.accounts import Account, Membership, MemberRole, RefreshToken, User, UserRole, UserStatus
from app.models.activity import ActivityEvent, IdempotencyKey
from app.models.base import utcnow
from app.models.campaigns import (
    TRANSITIONS, AdsStatus, Campaign, CampaignMetric, CampaignStatus, Channel, Priority,
)
from app.models.media import FileType, MediaFile, MediaStatus

__all__ = [
    "Account", "ActivityEvent", "AdsStatus", "Campaign", "CampaignMetric", "CampaignStatus", "Channel",
    "FileType", "IdempotencyKey", "MediaFile", "MediaStatus", "Membership", "MemberRole", "Priority",
    "RefreshToken", "TRANSITIONS",
    "User", "UserRole", "UserStatus", "utcnow",
]
from app.models.places import GeoDataset, Place, PlaceName, PlaceVariant  # noqa: E402

__all__ += ["GeoDataset", "Place", "PlaceName", "PlaceVariant"]
