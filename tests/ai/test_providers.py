"""The two providers behind one interface: the offline templates in every language and channel, and the OpenAI
SDK against the local OpenAI-compatible server (success, retries, failures, malformed answers, usage)."""
import pytest

from app.integrations import IntegrationError, RetryableIntegrationError
from app.integrations.ai import OpenAIProvider, UnusableOutput, provider_from_config
from app.integrations.ai_offline import OFFLINE_LANGUAGES, TemplateProvider
from app.services.ai_checks import check_output

PRODUCT = {"name": "Trail Runner 2", "description": "A light trail running shoe with a grippy sole.",
           "price": "89.90", "currency": "EUR", "promo_price": "69.90", "keywords": ["trail running", "outdoor"],
           "audience": "weekend runners", "tone": "friendly"}
CAMPAIGN = {"name": "Spring running", "description": "New trail shoes for spring.", "keywords": ["spring sale"],
            "audience": "Runners — people who bought running gear", "products": ["Trail Runner 2"], "tone": "urgent"}


@pytest.mark.parametrize("language", OFFLINE_LANGUAGES)
@pytest.mark.parametrize("channel", ["social", "email", "whatsapp"])
def test_offline_product_copy_passes_the_checks_in_every_language_and_channel(language, channel):
    generation = TemplateProvider().generate("product_content", dict(PRODUCT, channel=channel), language)
    fields, problems = check_output(generation.fields, channel, language=language, verify_language=True)
    assert problems == {}, (generation.fields, problems)
    assert generation.provider == "template" and generation.usage.total_tokens == 0
    assert "Trail Runner 2" in fields["body"]
    assert ("69,90 EUR" if language != "en" else "69.90 EUR") in fields.get("subject", "") + fields["body"]
    if channel == "social":
        assert "#TrailRunning" in fields["hashtags"]


@pytest.mark.parametrize("language", OFFLINE_LANGUAGES)
@pytest.mark.parametrize("channel", ["email", "whatsapp", "social_media"])
def test_offline_campaign_suggestions_pass_the_checks_in_every_language(language, channel):
    generation = TemplateProvider().generate("campaign_suggestions", dict(CAMPAIGN, channel=channel), language)
    fields, problems = check_output(generation.fields, "default", language=language, channel=channel)
    assert problems == {}, (generation.fields, problems)
    assert len(fields["titles"]) == 3 and len(fields["subjects"]) == 3
    assert "Spring running" in fields["summary"]


def test_offline_copy_is_deterministic():
    one = TemplateProvider().generate("product_content", dict(PRODUCT, channel="email"), "es")
    two = TemplateProvider().generate("product_content", dict(PRODUCT, channel="email"), "es")
    assert one.fields == two.fields


def test_the_provider_is_openai_only_when_a_key_is_set(app):
    assert isinstance(provider_from_config(app.config), TemplateProvider)
    assert isinstance(provider_from_config(dict(app.config, OPENAI_API_KEY="k")), OpenAIProvider)


def _openai(app):
    return provider_from_config(app.config)


def test_openai_answers_the_task_schema_as_fields_with_usage(app, openai_local):
    generation = _openai(app).generate("product_content", dict(PRODUCT, channel="email"), "fr")
    assert set(generation.fields) == {"subject", "body"}
    assert generation.fields["body"] == openai_local.TEXT["fr"]
    assert generation.usage.prompt_tokens > 0 and generation.usage.completion_tokens > 0
    assert generation.usage.cost > 0
    assert generation.prompt_version == "product_content/email.v1"
    request = openai_local.requests[0]
    assert request["model"] == "test-model"
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["strict"] is True
    assert 'language code "fr"' in request["messages"][0]["content"]
    # The product's fields reach the model as data inside the delimited block, never as instructions.
    assert "<data>" in request["messages"][1]["content"] and "Trail Runner 2" in request["messages"][1]["content"]


def test_a_429_is_retried_by_the_sdk_then_succeeds(app, openai_local):
    openai_local.answer({"status": 429})
    generation = _openai(app).generate("product_content", dict(PRODUCT, channel="whatsapp"), "en")
    assert generation.fields["body"] and len(openai_local.requests) == 2


def test_a_500_that_lasts_is_a_retryable_error_after_the_retries(app, openai_local):
    openai_local.answer({"status": 500}, {"status": 500}, {"status": 500})
    with pytest.raises(RetryableIntegrationError) as raised:
        _openai(app).generate("product_content", dict(PRODUCT, channel="whatsapp"), "en")
    assert raised.value.status == 500 and len(openai_local.requests) == 3


def test_a_refused_key_is_a_final_error(app, openai_local, config):
    config(OPENAI_API_KEY="wrong-key")
    with pytest.raises(IntegrationError) as raised:
        _openai(app).generate("product_content", dict(PRODUCT, channel="whatsapp"), "en")
    assert not isinstance(raised.value, RetryableIntegrationError) and raised.value.status == 401


@pytest.mark.parametrize("content", ["this is not json", '{"body": 42}', '["body"]', '{"subject": "x"}'])
def test_malformed_answers_are_unusable_output_with_their_usage(app, openai_local, content):
    openai_local.answer({"content": content})
    with pytest.raises(UnusableOutput) as raised:
        _openai(app).generate("product_content", dict(PRODUCT, channel="email"), "en")
    assert raised.value.usage.total_tokens > 0


def test_an_unreachable_server_is_retryable(app, config):
    config(OPENAI_API_KEY="k", OPENAI_BASE_URL="http://127.0.0.1:9/v1", OPENAI_MAX_RETRIES=0, OPENAI_TIMEOUT=2.0)
    with pytest.raises(RetryableIntegrationError):
        _openai(app).generate("product_content", dict(PRODUCT, channel="email"), "en")
