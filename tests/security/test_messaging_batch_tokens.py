"""The batch signs tracking tokens with keys derived once per batch (TokenSigner): those keys must be exactly as
strong as the serializer's. A token the batch signs with another secret, for another purpose, or altered is
unknown (404); one it signs with the app's secret works."""
from app.extensions import db
from app.models import Message
from app.services import messaging_tracking
from app.services.messaging_channels import TokenSigner
from tests.factories import own_account
from tests.messaging.factories import make_customer, make_email_campaign


def test_batch_tokens_signed_elsewhere_for_another_purpose_or_altered_are_not_found(client, app, user):
    account = own_account(user)
    customer = make_customer(account, email="target@example.com")
    campaign = make_email_campaign(account, user)
    message = Message(account_id=account.id, campaign_id=campaign.id, customer_id=customer.id, channel="email",
                      language="en", to_address=customer.email, batch_no=0)
    db.session.add(message)
    db.session.commit()
    ours, theirs = TokenSigner(app.config["SECRET_KEY"]), TokenSigner("someone-else's-secret-key-of-enough-length")
    click = ours.token(messaging_tracking.CLICK, message.id, "https://shop.test/sale")
    body, signature = click.rsplit(".", 1)

    assert client.get(f"/t/c/{theirs.token(messaging_tracking.CLICK, message.id, 'https://evil.test/')}") \
        .status_code == 404
    assert client.get(f"/t/c/{ours.token(messaging_tracking.OPEN, message.id)}").status_code == 404
    assert client.get(f"/u/{click}").status_code == 404
    assert client.get(f"/t/c/{body[:-2]}xx.{signature}").status_code == 404
    assert client.get(f"/t/c/{click}").headers["Location"] == "https://shop.test/sale"
