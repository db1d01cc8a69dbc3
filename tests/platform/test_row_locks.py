"""Reading a row under a lock reads it as it is now, even when the session already holds an older copy."""
import pytest
from sqlalchemy import text

from app.errors import NotFound
from app.extensions import db
from app.models import Campaign, CampaignStatus
from app.services import campaigns, get_owned
from tests.factories import make_user, own_account


def test_a_locked_read_sees_what_another_transaction_committed_since(user):
    account = own_account(user)
    campaign = campaigns.create_campaign(account, actor=user, name="Spring", budget=10, channel="email")
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.DRAFT  # this session's copy
    with db.engine.begin() as other:  # another worker moves it on meanwhile
        other.execute(text("UPDATE campaigns SET status = 'active' WHERE id = :id"), {"id": campaign.id})
    locked = get_owned(Campaign, account, campaign.id, for_update=True)
    assert locked is campaign and locked.status == CampaignStatus.ACTIVE
    db.session.rollback()


def test_a_locked_read_is_scoped_to_the_account_like_any_other(user):
    campaign = campaigns.create_campaign(own_account(user), actor=user, name="Mine", budget=10, channel="email")
    stranger = own_account(make_user(username="stranger"))
    with pytest.raises(NotFound):
        get_owned(Campaign, stranger, campaign.id, for_update=True)
