"""Messaging: fan a campaign out to N customers, then send M emails to a local SMTP sink beside a bare smtplib loop.

Needs DATABASE_URL and REDIS_URL (a throwaway database: `make bench ARGS=messaging`). Migrates, makes an account
with N customers with email consent (one INSERT … SELECT from generate_series), then times the product's start of
a send (`messaging.start_send`, what the Celery task runs: the claim, the fan-out's one INSERT … SELECT of queued
messages, the commit, and the batch tasks handed to Redis in one pipeline).

Beside it, the ceiling in the same run: the same rows written by one INSERT … SELECT into a plain table shaped
like messages, with no index, key or trigger.

Then it sends M emails in rounds that alternate, so the machine's load hits every side alike:
- the bare ceiling: one smtplib connection sending pre-built messages, the very bytes the product sends to the
  same recipients (rendered beforehand, not timed); also with two connections in two processes;
- the product: `messaging_dispatch.send_batch` (exactly what the Celery task runs: skip rules, the Redis rate
  limiter with EMAIL_RATE_PER_SECOND set high, claims with the frequency cap, rendering, SMTP, write-back) in one
  and in two worker processes, and in one worker again with an endpoint subscribed to every `message.*` webhook
  event (deliveries written per chunk and their tasks queued; nobody delivers them here).
Each side sends M messages in all; a rate is messages over the time its processes were sending. The sink is
aiosmtpd's Sink handler in a process of its own (it accepts and drops). A bare loop of small `EmailMessage`s
(the ceiling this bench printed before) is printed too, for comparison.
Targets (issue 11): fan-out of 1,000,000 under 10 s; sending at least 85% of the bare loop.

    python bench/messaging.py [--customers 1000000] [--emails 50000] [--rounds 2]
"""
import argparse
import multiprocessing
import os
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONTENT = {"en": {"subject": "Hello {{ first_name }}", "body": "Hi {{ first_name }}, see https://shop.test/sale now."},
           "es": {"subject": "Hola {{ first_name }}", "body": "Hola {{ first_name }}, mira https://shop.test/rebajas."}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return sink
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the SMTP sink did not start")


def _app(port: int):
    from app import create_app

    return create_app({"ENV": "testing", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": "none",
                       "EMAIL_RATE_PER_SECOND": 1_000_000, "MAX_MESSAGES_PER_CUSTOMER_PER_DAY": 1_000_000})


def _in_processes(target, jobs: list[tuple]) -> float:
    """Run target(*job, ready, go, spans) in one forked process per job, started together; the seconds from the
    first start to the last end of their timed parts."""
    context = multiprocessing.get_context("fork")
    ready, go, spans = context.Barrier(len(jobs) + 1), context.Barrier(len(jobs) + 1), context.Queue()
    processes = [context.Process(target=target, args=(*job, ready, go, spans)) for job in jobs]
    for process in processes:
        process.start()
    ready.wait()  # every process has its app, imports and connections: only sending is timed
    go.wait()
    times = [spans.get() for _ in processes]
    for process in processes:
        process.join()
        assert process.exitcode == 0, f"a sending process failed ({process.exitcode})"
    return max(end for _, end in times) - min(start for start, _ in times)


def _bare_sender(port: int, messages: list[tuple[str, bytes]], ready, go, spans) -> None:
    client = smtplib.SMTP("127.0.0.1", port)
    ready.wait()
    go.wait()
    started = time.perf_counter()
    for to, data in messages:
        client.sendmail("news@shop.test", [to], data)
    spans.put((started, time.perf_counter()))
    client.quit()


def bare(port: int, messages: list[tuple[str, bytes]], senders: int) -> float:
    """Pre-built messages over one smtplib connection per sender process: the ceiling; messages/s."""
    return len(messages) / _in_processes(_bare_sender, [(port, messages[k::senders]) for k in range(senders)])


def simple_messages(count: int) -> list[tuple[str, bytes]]:
    messages = []
    for i in range(count):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "news@shop.test", f"user{i}@example.com", "Hello"
        message.set_content(f"Hi user {i}, see https://shop.test/sale now.")
        messages.append((f"user{i}@example.com", message.as_bytes()))
    return messages


def _product_worker(port: int, send_id: str, batches: list[int], ready, go, spans) -> None:
    app = _app(port)
    with app.app_context():
        from app.extensions import db
        from app.services import messaging_dispatch

        db.session.execute(db.text("SELECT 1"))
        ready.wait()
        go.wait()
        started = time.perf_counter()
        for batch_no in batches:
            messaging_dispatch.send_batch(send_id, batch_no)
        spans.put((started, time.perf_counter()))


class Audience:
    """`count` customers of the bench account with consent (the others without), and campaigns sent to them."""

    def __init__(self, account_id, user_id, count: int):
        from sqlalchemy import text

        from app.extensions import db

        self.account_id, self.user_id, self.count, self.made = account_id, user_id, count, 0
        db.session.execute(text("UPDATE customers SET email_consent = (attributes->>'n')::int < :count "
                                "WHERE account_id = :a"), {"count": count, "a": account_id})
        db.session.commit()

    def campaign(self):
        """A campaign fanned out to the audience and its send (sending, batches not enqueued)."""
        from app.extensions import db
        from app.models import Account, CampaignSend, SendStatus, User
        from app.services import campaigns, messaging

        self.made += 1
        account, user = db.session.get(Account, self.account_id), db.session.get(User, self.user_id)
        campaign = campaigns.create_campaign(account, actor=user, name=f"Bench send {self.made}", channel="email",
                                             budget=1, content=CONTENT, audience={})
        send = CampaignSend(account_id=account.id, campaign_id=campaign.id, channel="email",
                            status=SendStatus.SENDING, send_at=messaging.utcnow(), batch_size=500,
                            started_at=messaging.utcnow())
        db.session.add(send)
        db.session.flush()
        send.total = messaging.fan_out(campaign, send)
        send.batches = -(-send.total // send.batch_size)
        db.session.commit()
        return campaign, send

    def rendered(self) -> list[tuple[str, bytes]]:
        """The bytes the product would send to this audience (a campaign fanned out, claimed, rendered, undone)."""
        from app.extensions import db
        from app.services import messaging_dispatch
        from app.services.messaging_channels import channel_for

        campaign, send = self.campaign()
        channel = channel_for(campaign, campaign.account)
        messages = []
        for batch_no in range(send.batches):
            messages += [(row.to_address, channel.prepare(row)[0])
                         for row in messaging_dispatch.claim(send, batch_no, send.batch_size)]
        db.session.rollback()
        return messages


def product(port: int, audience: Audience, workers: int) -> float:
    """Fan a fresh campaign out to the audience and send every batch with `workers` processes; messages/s."""
    from sqlalchemy import text

    from app.extensions import db

    campaign, send = audience.campaign()
    send_id, batches, total = str(send.id), list(range(send.batches)), send.total
    db.engine.dispose()  # children must not share the parent's connections
    elapsed = _in_processes(_product_worker, [(port, send_id, batches[k::workers]) for k in range(workers)])
    sent = db.session.scalar(text("SELECT count(*) FROM messages WHERE campaign_id = :c AND status = 'sent'"),
                             {"c": campaign.id})
    assert sent == total, f"{sent} of {total} sent"
    return total / elapsed


def webhooks_on(account_id, on: bool) -> None:
    """An active endpoint of the bench account subscribed to every message.* event (on), or none (off): the
    product then writes one delivery per chunk and event and queues its task (nobody delivers them here)."""
    from sqlalchemy import delete

    from app.extensions import db
    from app.models import WebhookEndpoint

    if on:
        db.session.add(WebhookEndpoint(account_id=account_id, url="http://127.0.0.1:9/hook", events=["message.*"],
                                       secret="bench-secret", active=True))
    else:
        db.session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.account_id == account_id))
    db.session.commit()


def time_fan_out(account, user) -> tuple[float, int, int]:
    """Seconds for messaging.start_send of a campaign to every customer (its batch tasks go to Redis, where no
    worker takes them; they are dropped afterwards); the messages and batches it made."""
    from flask import current_app

    from app.extensions import db
    from app.integrations.kv import redis_client
    from app.models import CampaignSend
    from app.services import campaigns, messaging

    campaign = campaigns.create_campaign(account, actor=user, name="Bench fan-out", channel="email", budget=1,
                                         content=CONTENT)
    messaging.send_now(campaign, actor=user)
    send_id = str(db.session.query(CampaignSend.id).filter_by(campaign_id=campaign.id).scalar())
    started = time.perf_counter()
    state = messaging.start_send(send_id)
    elapsed = time.perf_counter() - started
    redis_client(current_app.config["REDIS_URL"]).flushdb()
    return elapsed, state["recipients"], state["batches"]


def time_bare_insert(account) -> float:
    """The ceiling: the same million rows (the same columns, from the same customers) into a plain table shaped
    like messages, with no index, key, constraint or trigger, in one INSERT … SELECT and its commit."""
    from sqlalchemy import text

    from app.extensions import db

    db.session.execute(text("CREATE TABLE bench_bare_messages (LIKE messages INCLUDING DEFAULTS)"))
    db.session.commit()
    started = time.perf_counter()
    db.session.execute(text(
        "INSERT INTO bench_bare_messages (id, account_id, campaign_id, customer_id, channel, language, to_address, "
        "batch_no, status, created_at, updated_at) SELECT gen_random_uuid(), account_id, gen_random_uuid(), id, "
        "'email', language, email, (row_number() OVER () - 1) / 500, 'queued', now(), now() FROM customers "
        "WHERE account_id = :a AND email_consent AND email IS NOT NULL"), {"a": account.id})
    db.session.commit()
    elapsed = time.perf_counter() - started
    db.session.execute(text("DROP TABLE bench_bare_messages"))
    db.session.commit()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--emails", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import text

    port = free_port()
    app = _app(port)
    with app.app_context():
        from app.extensions import db
        from app.services import accounts

        upgrade(revision="heads")
        suffix = os.urandom(3).hex()
        user = accounts.register_user(username=f"bench{suffix}", email=f"bench{suffix}@example.com",
                                      password="Str0ng-passw0rd!")
        account = db.session.scalars(accounts.accounts_for(user)).first()
        started = time.perf_counter()
        db.session.execute(text(
            "INSERT INTO customers (id, account_id, email, first_name, language, email_consent, attributes, tags, "
            "recent_orders) SELECT gen_random_uuid(), :a, 'user' || n || '@example.com', 'Name' || n, "
            "CASE WHEN n % 3 = 0 THEN 'es' ELSE 'en' END, true, jsonb_build_object('n', n), '{}', '{}' "
            "FROM generate_series(0, :n - 1) AS n"), {"a": account.id, "n": args.customers})
        db.session.commit()
        db.session.execute(text("ANALYZE customers"))
        db.session.commit()
        print(f"# {args.customers} customers made in {time.perf_counter() - started:.1f} s", flush=True)

        bare_insert = time_bare_insert(account)
        print(f"# bare insert of the same rows into an unindexed table: {bare_insert:.2f} s", flush=True)
        fanout, recipients, batches = time_fan_out(account, user)
        print(f"# fan-out: {recipients} messages in {batches} batch tasks, {fanout:.2f} s", flush=True)
        db.session.execute(text("TRUNCATE messages"))  # a million rows the sends below would step over
        db.session.commit()

        per_round = args.emails // args.rounds
        audience = Audience(account.id, user.id, per_round)
        rendered = audience.rendered()
        sums = {key: [0, 0.0] for key in ("bare1", "product1", "hooks1", "bare2", "product2")}
        sink = start_sink(port)
        try:
            for n in range(args.rounds):
                for key, run in (("bare1", lambda: bare(port, rendered, 1)),
                                 ("product1", lambda: product(port, audience, 1)),
                                 ("hooks1", lambda: (webhooks_on(account.id, True), product(port, audience, 1),
                                                     webhooks_on(account.id, False))[1]),
                                 ("bare2", lambda: bare(port, rendered, 2)),
                                 ("product2", lambda: product(port, audience, 2))):
                    rate = run()
                    sums[key][0] += per_round
                    sums[key][1] += per_round / rate
                    print(f"# round {n + 1}, {key}: {rate:.0f} msg/s", flush=True)
            simple = bare(port, simple_messages(per_round), 1)
            print(f"# bare loop of small EmailMessages: {simple:.0f} msg/s", flush=True)
        finally:
            sink.terminate()
    rate = {key: count / seconds for key, (count, seconds) in sums.items()}

    print(f"fanout_{args.customers}_customers: {fanout:.2f} s")
    print(f"fanout_bare_insert_no_indexes: {bare_insert:.2f} s")
    print(f"smtp_bare_loop: {rate['bare1']:.0f} msg/s")
    print(f"smtp_product_1_worker: {rate['product1']:.0f} msg/s")
    print(f"smtp_product_1_worker_share_of_bare: {100 * rate['product1'] / rate['bare1']:.0f} %")
    print(f"smtp_product_1_worker_message_webhooks: {rate['hooks1']:.0f} msg/s")
    print(f"smtp_product_1_worker_message_webhooks_share_of_bare: {100 * rate['hooks1'] / rate['bare1']:.0f} %")
    print(f"smtp_bare_loop_2_senders: {rate['bare2']:.0f} msg/s")
    print(f"smtp_product_2_workers: {rate['product2']:.0f} msg/s")
    print(f"smtp_product_2_workers_share_of_bare: {100 * rate['product2'] / rate['bare2']:.0f} %")
    print(f"smtp_bare_loop_small_emailmessages: {simple:.0f} msg/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
