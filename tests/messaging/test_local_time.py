"""Local-time delivery: each customer gets the send at its wall-clock time in their own zone, DST included."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from app.extensions import db
from app.models import CampaignSend, Customer, Message, utcnow
from app.services import messaging, messaging_dispatch, messaging_fanout
from tests.conftest import wait_for
from tests.factories import own_account
from tests.messaging.factories import make_customer, make_email_campaign


def _expected(wall: datetime, zone: str) -> datetime:
    """The documented rule: of the two readings of a skipped or repeated wall time, the later instant."""
    readings = [wall.replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(timezone.utc) for fold in (0, 1)]
    return max(readings)


def _send_of(campaign) -> CampaignSend:
    return db.session.scalar(select(CampaignSend).where(CampaignSend.campaign_id == campaign.id))


def _start_now(campaign):
    """Start a scheduled send now, whatever its time (the test does not wait for the first zone)."""
    send = _send_of(campaign)
    db.session.execute(update(CampaignSend).where(CampaignSend.id == send.id)
                       .values(starts_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    return messaging.start_send(str(send.id))


def _due(campaign) -> dict[str, datetime]:
    rows = db.session.execute(select(Message.to_address, Message.due_at).where(Message.campaign_id == campaign.id))
    return {to.split("@")[0]: due for to, due in rows}


def test_each_customer_is_due_at_the_wall_clock_time_in_their_zone_across_dst_changes(user, queued):
    account = own_account(user)
    account.timezone = "America/Sao_Paulo"
    db.session.commit()
    zones = {"madrid": "Europe/Madrid", "tokyo": "Asia/Tokyo", "ny": "America/New_York", "kolkata": "Asia/Kolkata",
             "lordhowe": "Australia/Lord_Howe", "nozone": None}
    for name, zone in zones.items():
        make_customer(account, email=f"{name}@example.com", **({"timezone": zone} if zone else {}))
    spring, autumn = make_email_campaign(account, user, name="Spring"), make_email_campaign(account, user, name="Fall")

    # 02:30 on 31 March 2030 does not exist in Madrid (02:00 → 03:00); 01:30 on 3 November 2030 happens twice in
    # New York (02:00 → 01:00). Scheduled as wall-clock times of UTC, where both exist.
    messaging.schedule_send(spring, actor=user, send_at="2030-03-31T02:30:00", timezone="UTC", local_time=True)
    messaging.schedule_send(autumn, actor=user, send_at="2030-11-03T01:30:00", timezone="UTC", local_time=True)
    _start_now(spring)
    _start_now(autumn)

    for campaign, wall in ((spring, datetime(2030, 3, 31, 2, 30)), (autumn, datetime(2030, 11, 3, 1, 30))):
        due = _due(campaign)
        expected = {name: _expected(wall, zone or "America/Sao_Paulo") for name, zone in zones.items()}
        assert due == expected
    # The rule, spelled out: the skipped 02:30 is 03:30 CEST; the repeated 01:30 is the second one, EST.
    assert _due(spring)["madrid"] == datetime(2030, 3, 31, 1, 30, tzinfo=timezone.utc)
    assert _due(autumn)["ny"] == datetime(2030, 11, 3, 6, 30, tzinfo=timezone.utc)
    assert _due(spring)["tokyo"] == datetime(2030, 3, 30, 17, 30, tzinfo=timezone.utc)


def test_a_local_time_send_starts_when_the_first_zone_reaches_its_time(owner_api, user, queued):
    campaign = make_email_campaign(own_account(user), user)

    response = owner_api.post(f"/campaigns/{campaign.id}/schedule", json={
        "send_at": "2030-12-24T09:00:00", "timezone": "Europe/Madrid", "local_time": True})
    assert response.status_code == 200, response.json
    state = response.json

    send = _send_of(campaign)
    assert state["local_time"] is True and state["send_at_local"] == "2030-12-24T09:00:00+01:00"
    assert send.starts_at == datetime(2030, 12, 23, 19, 0, tzinfo=timezone.utc)  # 09:00 at UTC+14
    assert messaging.start_due_sends() == 0


def test_batches_hold_one_due_time_and_later_waves_wait_for_theirs(user, settings, queued):
    settings(MESSAGING_BATCH_SIZE=2)
    account = own_account(user)
    for n in range(3):
        make_customer(account, email=f"tokyo{n}@example.com", timezone="Asia/Tokyo")
    make_customer(account, email="ny@example.com", timezone="America/New_York")
    campaign = make_email_campaign(account, user)
    wall = (utcnow() + timedelta(hours=2)).astimezone(ZoneInfo("Asia/Tokyo")).replace(tzinfo=None, microsecond=0)
    messaging.schedule_send(campaign, actor=user, send_at=wall.isoformat(), timezone="Asia/Tokyo", local_time=True)

    _start_now(campaign)

    send = _send_of(campaign)
    batches = dict(db.session.execute(select(Message.to_address, Message.batch_no)
                                      .where(Message.campaign_id == campaign.id)).all())
    assert sorted(batches.values()) == [0, 0, 1, 2]  # Tokyo's three in two batches, New York's in its own
    assert batches["ny@example.com"] == 2
    assert [w["batches"] for w in send.waves] == [2, 1]
    assert send.batches == 3 and send.released_batches == 0  # Tokyo's wave is two hours away: nothing yet
    assert not [args for name, args in queued if name == "messaging.send_batch"]

    # A batch task that runs early sends nothing and comes back at its time.
    assert messaging_dispatch.send_batch(str(send.id), 0)["status"] == "early"
    assert db.session.query(Message).filter(Message.status != "queued").count() == 0


def test_customers_get_it_at_their_time_through_the_worker_and_the_send_completes_after_the_last_zone(
        owner_api, user, smtp, celery_worker):
    account = own_account(user)
    account.timezone = "UTC"
    db.session.commit()
    make_customer(account, email="tokyo@example.com", timezone="Asia/Tokyo")  # that time passed there: at once
    make_customer(account, email="here@example.com")  # the account's zone, UTC: in a few seconds
    make_customer(account, email="ny@example.com", timezone="America/New_York")  # hours from now
    campaign = make_email_campaign(account, user)
    wall = (utcnow() + timedelta(seconds=4)).replace(tzinfo=None, microsecond=0)
    messaging.schedule_send(campaign, actor=user, send_at=wall.isoformat(), timezone="UTC", local_time=True)

    assert messaging.start_due_sends() == 1  # 14 hours before UTC reaches that time, the send starts

    wait_for(lambda: len(smtp.messages) == 2, timeout=30)
    arrivals = {m.to.split("@")[0]: m.at for m in smtp.messages}
    assert arrivals["tokyo"] < arrivals["here"]
    assert arrivals["here"] >= wall.replace(tzinfo=timezone.utc).timestamp() - 0.5
    db.session.expire_all()
    state = owner_api.get(f"/campaigns/{campaign.id}/send").json
    assert state["status"] == "sending" and state["counts"]["queued"] == 1

    # New York's time comes (moved to now rather than waited for): beat hands its wave to the worker.
    send = _send_of(campaign)
    now = utcnow()
    db.session.execute(update(Message).where(Message.to_address == "ny@example.com").values(due_at=now))
    waves = [dict(w, due_at=now.isoformat()) if w["due_at"] > now.isoformat() else w for w in send.waves]
    db.session.execute(update(CampaignSend).where(CampaignSend.id == send.id).values(waves=waves))
    db.session.commit()
    assert messaging_fanout.release_due_batches() == 1

    wait_for(lambda: len(smtp.messages) == 3, timeout=30)

    def completed():
        db.session.expire_all()  # the test shares its session with the test client's requests
        return owner_api.get(f"/campaigns/{campaign.id}/send").json["status"] == "completed"

    wait_for(completed, timeout=20)
    assert sorted(m.to for m in smtp.messages) == ["here@example.com", "ny@example.com", "tokyo@example.com"]
    assert db.session.scalar(select(Customer.timezone).where(Customer.email == "ny@example.com")) == \
        "America/New_York"
