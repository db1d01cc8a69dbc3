"""Every model, re-exported so `from app.models import X` works and Alembic sees all tables."""
from app.models.accounts import Account, Membership, MemberRole, RefreshToken, User, UserRole, UserStatus
from app.models.activity import ActivityEvent, IdempotencyKey
from app.models.base import utcnow
from app.models.customers import (
    CHANNELS, ConsentChange, Customer, ImportJob, ImportMode, ImportRowError, ImportStatus, Segment,
)

__all__ = [
    "Account", "ActivityEvent", "CHANNELS", "ConsentChange", "Customer", "ImportJob", "ImportMode",
    "ImportRowError", "ImportStatus", "Segment", "IdempotencyKey", "Membership", "MemberRole", "RefreshToken",
    "User", "UserRole", "UserStatus", "utcnow",
]
