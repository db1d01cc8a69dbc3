"""Output checks: what a provider wrote is stored only if it is usable."""
import pytest

from app.services.ai_checks import check_output, language_problem, neutralise


def test_copy_in_another_language_than_asked_is_refused():
    english = "Get the best shoes for your run today, and our team is here for you with the new range."
    assert language_problem(english, "es")
    assert language_problem(english, "en") is None
    assert language_problem("Ahora con nuestro descuento para ti, solo hoy y con envío gratis.", "en")


def test_short_or_unknown_language_text_is_not_judged():
    assert language_problem("Trail Runner 2", "fr") is None
    assert language_problem("The best shoes for your run today and for you", "de") is None


@pytest.mark.parametrize("hashtags", [["no hash"], ["#two words"], ["#"], ["#_x"], ["#!!"]])
def test_hashtags_must_be_real_hashtags(hashtags):
    _, problems = check_output({"body": "A post.", "hashtags": hashtags}, "social", language="en")
    assert "hashtags" in problems


def test_channel_limits_and_empty_text():
    _, problems = check_output({"body": "x" * 281, "hashtags": ["#ok"]}, "social", language="en")
    assert "Longer than 280" in problems["body"][0]
    _, problems = check_output({"body": "   "}, "whatsapp", language="en")
    assert problems["body"] == ["Empty."]
    _, problems = check_output({"subject": "", "body": "Hello"}, "email", language="en")
    assert "subject" in problems


def test_template_syntax_in_copy_is_refused():
    _, problems = check_output({"body": "Hi {{ config }}"}, "whatsapp", language="en")
    assert problems["body"] == ["Contains template syntax."]


def test_user_fields_lose_template_delimiters_and_control_characters():
    assert neutralise("{{{ 7*7 }}} {% if %}\x07") == "{ { { 7*7 } } } { % if % }"
    assert neutralise({"k": ["{{x}}"] * 30})["k"] == ["{ {x} }"] * 20
