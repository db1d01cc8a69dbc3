"""Every model, re-exported so `from app.models import X` works and Alembic sees all tables."""
from app.models.accounts import (
    Account, Invitation, InvitationStatus, Membership, MemberRole, RefreshToken, User, UserRole, UserStatus,
)
from app.models.activity import ActivityEvent, IdempotencyKey
from app.models.api_keys import ApiKey, ApiKeyScope
from app.models.base import utcnow
from app.models.campaigns import TRANSITIONS, AdsStatus, Campaign, CampaignMetric, CampaignStatus, Channel, Priority
from app.models.catalog import Product
from app.models.content import (
    AIUsage, CampaignSuggestion, ContentChannel, ContentJob, ContentStatus, JobStatus, ProductContent, SuggestionKind,
    SuggestionStatus,
)
from app.models.exports import ExportJob, ExportStatus
from app.models.customers import (
    CHANNELS, ConsentChange, Customer, ImportJob, ImportMode, ImportRowError, ImportStatus, Segment,
)
from app.models.media import FileType, MediaFile, MediaStatus
from app.models.messaging import (
    CampaignSend, CustomerSendQuota, Message, MessageStatus, Notification, SendStatus, Suppression, WhatsAppWindow,
)
from app.models.places import GeoDataset, Place, PlaceName, PlaceVariant
from app.models.promos import (
    FlashPromo, NotificationLog, NotificationStatus, PromoAudience, PromoChannel, PromoStatus, Reservation,
    ReservationStatus, Store, StoreProduct,
)
from app.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AIUsage", "CampaignSuggestion", "ContentChannel", "ContentJob", "ContentStatus", "JobStatus", "ProductContent",
    "SuggestionKind", "SuggestionStatus",
    "Account", "ActivityEvent", "AdsStatus", "Campaign", "CampaignMetric", "CampaignSend", "CampaignStatus",
    "CustomerSendQuota",
    "Channel",
    "CHANNELS", "ConsentChange", "Customer", "FileType", "GeoDataset", "IdempotencyKey", "ImportJob", "ImportMode",
    "ImportRowError", "ImportStatus", "Invitation", "InvitationStatus", "MediaFile", "MediaStatus", "Membership",
    "MemberRole", "Message", "MessageStatus", "Notification", "Place", "PlaceName",
    "PlaceVariant", "Priority", "RefreshToken", "Segment", "SendStatus", "Suppression", "TRANSITIONS", "User",
    "UserRole", "UserStatus", "utcnow", "WhatsAppWindow",
    "FlashPromo", "NotificationLog", "NotificationStatus", "Product", "PromoAudience", "PromoChannel", "PromoStatus",
    "Reservation", "ReservationStatus", "Store", "StoreProduct",
    "DeliveryStatus", "WebhookDelivery", "WebhookEndpoint", "ApiKey", "ApiKeyScope", "ExportJob", "ExportStatus",
]
