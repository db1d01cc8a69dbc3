"""Campaign suggestions: generated from the campaign, pending until a person decides; approved copy fills the
campaign's content for its language."""
from sqlalchemy import select

from app.extensions import db
from app.models import AIUsage, Campaign, CampaignSuggestion
from tests.ai.factories import make_campaign, make_product
from tests.factories import add_member, make_user


def _generate(api, campaign, **body):
    return api.post(f"/campaigns/{campaign.id}/suggestions", json=body)


def _by_kind(suggestions, kind):
    return [s for s in suggestions if s["kind"] == kind]


def test_offline_suggestions_are_pending_and_labelled_template_generated(owner_api, campaign, account, product):
    response = _generate(owner_api, campaign, language="es", tone="urgent", product_ids=[str(product.id)])
    assert response.status_code == 201, response.json
    suggestions = response.json["suggestions"]
    assert {s["kind"] for s in suggestions} == {"title", "subject", "body", "hashtags", "summary"}
    assert len(_by_kind(suggestions, "title")) == 3 and len(_by_kind(suggestions, "subject")) == 3
    assert all(s["status"] == "pending" and s["language"] == "es" for s in suggestions)
    assert all(s["template_generated"] and s["provider"] == "template" for s in suggestions)
    assert len({s["batch_id"] for s in suggestions}) == 1
    summary = _by_kind(suggestions, "summary")[0]["text"]
    assert "Spring running" in summary and "Trail Runner 2" in summary and "campaña" in summary
    listed = owner_api.get(f"/campaigns/{campaign.id}/suggestions?kind=subject&size=50")
    assert listed.status_code == 200 and listed.json["total"] == 3
    assert listed.headers["X-Total-Count"] == "3"


def test_language_defaults_to_the_default_campaign_language(owner_api, campaign, config):
    config(DEFAULT_CAMPAIGN_LANGUAGE="fr")
    suggestions = _generate(owner_api, campaign).json["suggestions"]
    assert {s["language"] for s in suggestions} == {"fr"}
    assert {s["language"] for s in _generate(owner_api, campaign, language_code="pt").json["suggestions"]} == {"pt"}


def test_a_language_outside_the_allowed_ones_is_422(owner_api, campaign, config):
    config(ALLOWED_CAMPAIGN_LANGUAGES=["en", "es"])
    response = _generate(owner_api, campaign, language="fr")
    assert response.status_code == 422 and "language" in response.json["details"]
    assert _generate(owner_api, campaign, tone="sarcastic").status_code == 422
    assert _generate(owner_api, campaign, unexpected=1).status_code == 422
    assert db.session.scalar(select(CampaignSuggestion.id)) is None


def test_approving_a_subject_and_a_body_fills_the_campaigns_content(owner_api, campaign, user):
    suggestions = _generate(owner_api, campaign, language="es").json["suggestions"]
    subject, body = _by_kind(suggestions, "subject")[1], _by_kind(suggestions, "body")[0]
    url = f"/campaigns/{campaign.id}/suggestions"
    approved = owner_api.post(f"{url}/{subject['id']}", json={"action": "approve"})
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved" and approved.json["applied"] is True
    assert approved.json["decided_by_id"] == str(user.id) and approved.json["decided_at"].endswith("Z")
    owner_api.post(f"{url}/{body['id']}", json={"action": "approve"})
    content = owner_api.get(f"/campaigns/{campaign.id}").json["content"]
    assert content["es"] == {"subject": subject["text"], "body": body["text"]}
    again = owner_api.post(f"{url}/{subject['id']}", json={"action": "reject"})
    assert again.status_code == 409 and again.json["type"] == "ConflictError"


def test_rejecting_or_approving_a_title_leaves_the_content_alone(owner_api, campaign):
    suggestions = _generate(owner_api, campaign, language="en").json["suggestions"]
    url = f"/campaigns/{campaign.id}/suggestions"
    rejected = owner_api.post(f"{url}/{_by_kind(suggestions, 'subject')[0]['id']}", json={"action": "reject"})
    assert rejected.json["status"] == "rejected" and rejected.json["applied"] is False
    title = owner_api.post(f"{url}/{_by_kind(suggestions, 'title')[0]['id']}", json={"action": "approve"})
    assert title.json["status"] == "approved" and title.json["fills_content"] is False
    assert owner_api.get(f"/campaigns/{campaign.id}").json["content"] == {}
    assert owner_api.post(f"{url}/{suggestions[0]['id']}", json={"action": "maybe"}).status_code == 422


def test_a_whatsapp_campaign_takes_an_approved_body_but_no_subject(owner_api, account, user):
    campaign = make_campaign(account, user, name="WhatsApp drop", channel="whatsapp")
    suggestions = _generate(owner_api, campaign, language="pt").json["suggestions"]
    url = f"/campaigns/{campaign.id}/suggestions"
    subject = owner_api.post(f"{url}/{_by_kind(suggestions, 'subject')[0]['id']}", json={"action": "approve"})
    assert subject.json["applied"] is False
    body = _by_kind(suggestions, "body")[0]
    assert len(body["text"]) <= 1000
    owner_api.post(f"{url}/{body['id']}", json={"action": "approve"})
    assert owner_api.get(f"/campaigns/{campaign.id}").json["content"] == {"pt": {"body": body["text"]}}


def test_viewers_read_suggestions_but_cannot_generate_or_decide(api, owner_api, campaign, account):
    viewer = make_user(username="viewer")
    add_member(account, viewer, "viewer")
    suggestion = _generate(owner_api, campaign).json["suggestions"][0]
    viewer_api = api.login(viewer).in_account(account)
    assert viewer_api.get(f"/campaigns/{campaign.id}/suggestions").status_code == 200
    assert _generate(viewer_api, campaign).status_code == 403
    assert viewer_api.post(f"/campaigns/{campaign.id}/suggestions/{suggestion['id']}",
                           json={"action": "approve"}).status_code == 403


def test_openai_suggestions_record_their_usage(owner_api, campaign, openai_local):
    response = _generate(owner_api, campaign, language="fr")
    assert response.status_code == 201, response.json
    suggestions = response.json["suggestions"]
    assert all(s["provider"] == "openai" and not s["template_generated"] for s in suggestions)
    assert _by_kind(suggestions, "summary")[0]["text"] == openai_local.TEXT["fr"]
    usage = db.session.scalars(select(AIUsage)).all()
    assert len(usage) == 1 and usage[0].succeeded and usage[0].total_tokens > 0 and usage[0].cost > 0
    assert usage[0].task == "campaign_suggestions" and usage[0].model == "test-model"
    summary = owner_api.get("/ai/usage").json
    assert summary["provider"] == "openai" and summary["tokens_this_month"] == usage[0].total_tokens


def test_a_provider_that_keeps_failing_answers_502_and_stores_nothing(owner_api, campaign, openai_local):
    openai_local.answer({"status": 500}, {"status": 500}, {"status": 500})
    response = _generate(owner_api, campaign)
    assert response.status_code == 502
    assert response.json["type"] == "UpstreamError" and response.json["details"]["upstream_status"] == 500
    assert len(openai_local.requests) == 3  # the first try and two retries with backoff
    assert db.session.scalar(select(CampaignSuggestion.id)) is None


def test_a_429_then_success_is_retried_within_the_request(owner_api, campaign, openai_local):
    openai_local.answer({"status": 429})
    assert _generate(owner_api, campaign).status_code == 201
    assert len(openai_local.requests) == 2


def test_malformed_or_unusable_output_is_502_stores_nothing_and_counts_the_tokens(owner_api, campaign,
                                                                                   openai_local):
    openai_local.answer({"content": "Sure! Here are some ideas: ..."})
    response = _generate(owner_api, campaign)
    assert response.status_code == 502 and response.json["details"]["provider"] == "openai"
    # Well-formed answers that fail the checks: a hashtag that is not one; English when Spanish was asked.
    openai_local.answer({"fields": {"titles": ["A"], "subjects": ["B"], "hashtags": ["not a tag"], "summary": "S",
                                    "body": "B"}})
    response = _generate(owner_api, campaign)
    assert response.status_code == 502 and "hashtags" in response.json["details"]["output"]
    english = dict(titles=["Get yours"], subjects=["For you"], hashtags=["#Run"],
                   summary="Get the best shoes for your run today, and our team is here for you.", body="Now for you.")
    openai_local.answer({"fields": english})
    response = _generate(owner_api, campaign, language="es")
    assert response.status_code == 502 and "language" in response.json["details"]["output"]
    assert db.session.scalar(select(CampaignSuggestion.id)) is None
    usage = db.session.scalars(select(AIUsage)).all()
    assert len(usage) == 3 and not any(u.succeeded for u in usage) and all(u.total_tokens > 0 for u in usage)
    assert db.session.get(Campaign, campaign.id).content == {}


def test_products_of_another_account_are_404(owner_api, campaign):
    other = make_user(username="other")
    from tests.factories import own_account

    foreign = make_product(own_account(other), name="Not yours")
    response = _generate(owner_api, campaign, product_ids=[str(foreign.id)])
    assert response.status_code == 404
