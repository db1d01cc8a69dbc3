"""The monthly token budget per account: spent tokens refuse further generations with a 429 until next month."""
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AIUsage, CampaignSuggestion, utcnow
from tests.ai.factories import make_campaign
from tests.factories import make_user, own_account


def test_a_spent_budget_answers_429_with_retry_after_and_generates_nothing(api, owner_api, campaign, product,
                                                                            openai_local, config):
    config(AI_MONTHLY_TOKEN_BUDGET=50)
    assert owner_api.post(f"/campaigns/{campaign.id}/suggestions", json={}).status_code == 201
    used = db.session.scalar(select(AIUsage.total_tokens))
    assert used > 50  # the call that crossed the budget ran: it started under it
    calls = len(openai_local.requests)
    refused = owner_api.post(f"/campaigns/{campaign.id}/suggestions", json={})
    assert refused.status_code == 429 and refused.json["type"] == "RateLimitError"
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json["details"]["used"] == used and refused.json["details"]["resets_at"].endswith("Z")
    assert owner_api.post(f"/products/{product.id}/generate-content", json={}).status_code == 429
    assert len(openai_local.requests) == calls
    assert db.session.query(CampaignSuggestion).count() == 9
    # Another account has its own budget.
    other = make_user(username="neighbour")
    theirs = make_campaign(own_account(other), other, name="Theirs")
    assert api.login(other).post(f"/campaigns/{theirs.id}/suggestions", json={}).status_code == 201


def test_last_months_tokens_do_not_count(owner_api, campaign, account, config):
    config(AI_MONTHLY_TOKEN_BUDGET=100)
    db.session.add(AIUsage(account_id=account.id, provider="openai", model="m", task="campaign_suggestions",
                           prompt_tokens=500, completion_tokens=500, total_tokens=1000, cost=0,
                           created_at=utcnow().replace(day=1) - timedelta(days=1)))
    db.session.commit()
    assert owner_api.post(f"/campaigns/{campaign.id}/suggestions", json={}).status_code == 201
    assert owner_api.get("/ai/usage").json["tokens_this_month"] == 0  # offline templates spend no tokens


def test_offline_generations_spend_no_budget(owner_api, campaign, config):
    config(AI_MONTHLY_TOKEN_BUDGET=1)
    for _ in range(3):
        assert owner_api.post(f"/campaigns/{campaign.id}/suggestions", json={}).status_code == 201
    usage = owner_api.get("/ai/usage").json
    assert usage["provider"] == "template" and usage["template_generated"] and usage["tokens_this_month"] == 0
