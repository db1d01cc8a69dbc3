"""AI content in the admin (read-only views) and on the dashboard (suggestions waiting for a person)."""
from app.services import ai_content, ai_suggestions
from tests.factories import make_user, own_account, sign_in


def test_admins_see_product_copy_suggestions_and_usage_read_only(client, account, user, campaign, product):
    ai_suggestions.generate_suggestions(campaign, actor=user)
    ai_content.generate_product_content(product, actor=user, channels=["email"])
    admin = make_user(username="root", role="admin")
    own_account(admin)
    sign_in(client, admin)
    for path, text in (("/admin/productcontent/", "offline/product_content/email.v1"),
                       ("/admin/campaignsuggestion/", "Spring running"), ("/admin/aiusage/", "campaign_suggestions")):
        response = client.get(path)
        assert response.status_code == 200 and text in response.get_data(as_text=True), path
        assert client.get(path + "new/").status_code == 302  # no creating rows past the services


def test_the_dashboard_counts_suggestions_waiting_for_review(owner_api, client, user, campaign):
    rows = ai_suggestions.generate_suggestions(campaign, actor=user)
    ai_suggestions.decide_suggestion(campaign, rows[0].id, actor=user, action="reject")
    from app.services import dashboard

    assert dashboard.summary(own_account(user)).counts["AI suggestions to review"] == len(rows) - 1
