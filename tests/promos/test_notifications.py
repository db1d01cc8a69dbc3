"""Promo notifications: eligibility by behaviour, consent and distance (geography), once per customer, promo and day."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import NotificationLog, NotificationStatus, WhatsAppWindow, utcnow
from app.services import promo_notify, reservations
from tests.conftest import wait_for
from tests.factories import own_account
from tests.promos.factories import CENTRE, make_customer, make_promo, make_store, make_stock, point_at
from tests.servers import SmtpServer, TwilioServer


def _logged(promo) -> dict:
    rows = db.session.execute(select(NotificationLog.customer_id, NotificationLog.status).where(
        NotificationLog.promo_id == promo.id)).all()
    return {customer_id: status for customer_id, status in rows}


def test_a_customer_at_1_99_km_is_notified_and_one_at_2_01_km_is_not(app, user):
    account = own_account(user)
    promo = make_promo(account)
    inside = make_customer(account, at=point_at(1990, bearing=45))
    outside = make_customer(account, at=point_at(2010, bearing=45))
    make_customer(account, at=point_at(100), consent=())  # no push consent
    make_customer(account)  # no location
    assert promo_notify.notify_promo(str(promo.id)) == 1
    logged = _logged(promo)
    assert logged == {inside.id: NotificationStatus.SENT}
    assert outside.id not in logged
    row = db.session.scalar(select(NotificationLog))
    assert 1985 <= row.distance_m <= 1995 and row.provider_id.startswith("push:")


def test_two_activations_on_one_day_notify_once(app, user):
    account = own_account(user)
    promo = make_promo(account)
    make_customer(account, at=point_at(500))
    assert promo_notify.notify_promo(str(promo.id)) == 1
    assert promo_notify.notify_promo(str(promo.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(NotificationLog)) == 1


def test_the_next_day_only_customers_not_reserving_are_notified_again(app, user):
    account = own_account(user)
    promo = make_promo(account, stock=5)
    reserving = make_customer(account, at=point_at(500))
    idle = make_customer(account, at=point_at(600))
    promo_notify.notify_promo(str(promo.id))
    reservations.reserve_stock(promo, customer=reserving, quantity=1)
    # Yesterday's log: move today's rows back a day.
    db.session.execute(text("UPDATE notification_logs SET sent_on = sent_on - 1"))
    db.session.commit()
    assert promo_notify.notify_promo(str(promo.id)) == 1
    # The store's day, not the machine's: for the Bogotá store (UTC-5) they differ from 00:00 to 05:00 UTC.
    today = db.session.scalars(select(NotificationLog.customer_id).where(
        NotificationLog.sent_on == promo_notify.local_day(promo.store.timezone))).all()
    assert today == [idle.id]


def test_audience_picks_behaviour(app, user):
    account = own_account(user)
    promo = make_promo(account, audience="frequent")
    now = utcnow()
    frequent = make_customer(account, at=point_at(300), orders_count=3,
                             last_order_at=now - timedelta(days=1))
    db.session.execute(text("UPDATE customers SET recent_orders = ARRAY[now(), now(), now()] WHERE id = :id"),
                       {"id": frequent.id})
    db.session.commit()
    make_customer(account, at=point_at(300))  # new
    assert promo_notify.notify_promo(str(promo.id)) == 1
    assert list(_logged(promo)) == [frequent.id]
    preview = promo_notify.audience_preview(account, promo.store, radius_m=2000, audience="all", channel="push")
    assert preview["total"] == 2 and preview["by_behaviour"] == {"new": 1, "frequent": 1, "returning": 0}


def test_the_eligibility_query_uses_the_gist_index(app, user):
    account = own_account(user)
    promo = make_promo(account)
    # 20,000 customers over ~100 km: a 2 km radius is a sliver of them, so the index is the plan.
    db.session.execute(text(
        "INSERT INTO customers (id, account_id, first_name, location, push_consent) "
        "SELECT gen_random_uuid(), :account, 'C', ST_GeogFromText('SRID=4326;POINT(' || "
        "(-74.5 + random()) || ' ' || (4.1 + random()) || ')'), true FROM generate_series(1, 20000)"),
        {"account": account.id})
    db.session.commit()
    db.session.execute(text("ANALYZE customers"))
    stmt = promo_notify.eligible_query(promo)
    compiled = stmt.compile(db.engine)
    plan = [row[0] for row in db.session.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)]
    db.session.rollback()
    assert any("idx_customers_location" in line for line in plan), plan


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


def test_an_email_promo_is_sent_through_smtp_when_the_worker_activates_it(app, user, config, celery_worker,
                                                                          smtp_server, owner_api):
    smtp_server.reset()
    config(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, SMTP_SECURITY="none", SMTP_USER=None,
           SMTP_FROM="Shop <promos@example.com>")
    account = own_account(user)
    near = make_customer(account, at=point_at(800), email="near@example.com", consent=("email",))
    make_customer(account, at=point_at(800), email="nope@example.com", consent=("push",))
    item = make_stock(account, store=make_store(account, name="Mail", at=CENTRE))
    promo = make_promo(account, item=item, channel="email", started=timedelta(seconds=0))
    wait_for(lambda: smtp_server.to("near@example.com"), timeout=40)
    received = smtp_server.to("near@example.com")[0]
    assert "Flash promo at Mail" in received.message["Subject"] and received.bare_line_feeds == 0
    listed = wait_for(lambda: owner_api.get(f"/promos/{promo.id}/notifications").json["notifications"])
    assert [n["customer_id"] for n in listed] == [str(near.id)]
    wait_for(lambda: owner_api.get(f"/promos/{promo.id}/notifications").json["notifications"][0]["status"]
             == "sent")
    assert smtp_server.to("nope@example.com") == []


def test_a_temporary_smtp_failure_is_retried_and_the_customer_gets_one_email(app, user, config, celery_worker,
                                                                           smtp_server, owner_api):
    smtp_server.reset()
    config(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, SMTP_SECURITY="none", SMTP_USER=None,
           SMTP_FROM="Shop <promos@example.com>", MESSAGING_RETRY_BASE=0.05)
    smtp_server.answer("later@example.com", "451 4.3.0 Try again later")
    account = own_account(user)
    customer = make_customer(account, at=point_at(400), email="later@example.com", consent=("email",))
    promo = make_promo(account, channel="email", started=timedelta(seconds=0))
    wait_for(lambda: smtp_server.to("later@example.com"), timeout=40)
    rows = wait_for(lambda: [n for n in owner_api.get(f"/promos/{promo.id}/notifications").json["notifications"]
                             if n["status"] == "sent"], timeout=10)
    assert [n["customer_id"] for n in rows] == [str(customer.id)]
    assert len(smtp_server.to("later@example.com")) == 1


@pytest.fixture(scope="module")
def twilio_server():
    server = TwilioServer().start()
    yield server
    server.stop()


def test_a_whatsapp_promo_reaches_twilio_inside_the_window_and_skips_outside_it(app, user, config, celery_worker,
                                                                             twilio_server, owner_api):
    twilio_server.reset()
    config(TWILIO_ACCOUNT_SID=twilio_server.account_sid, TWILIO_AUTH_TOKEN=twilio_server.auth_token,
           TWILIO_WHATSAPP_FROM="+14155238886", TWILIO_BASE_URL=twilio_server.url, PUBLIC_URL="http://links.test")
    account = own_account(user)
    inside = make_customer(account, at=point_at(300), phone="+34600000101", consent=("whatsapp",))
    outside = make_customer(account, at=point_at(300), phone="+34600000102", consent=("whatsapp",))
    db.session.add(WhatsAppWindow(customer_id=inside.id, account_id=account.id, last_inbound_at=utcnow()))
    db.session.commit()
    promo = make_promo(account, channel="whatsapp", started=timedelta(seconds=0), title="Arepas")
    # Activation (ETA task), the log insert and the send task: three hops through the worker on a busy machine.
    wait_for(lambda: twilio_server.messages, timeout=40)
    assert [m.to for m in twilio_server.messages] == ["+34600000101"]
    assert "Arepas" in twilio_server.messages[0].body

    def settled():
        rows = owner_api.get(f"/promos/{promo.id}/notifications").json["notifications"]
        return {n["customer_id"]: n for n in rows} if all(n["status"] in ("sent", "skipped") for n in rows) else None

    rows = wait_for(settled)
    assert rows[str(inside.id)]["status"] == "sent"
    assert rows[str(outside.id)]["status"] == "skipped" and "24-hour" in rows[str(outside.id)]["reason"]
