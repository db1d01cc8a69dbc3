"""Messaging: fan a campaign out to N customers, then send M emails to a local SMTP sink beside a bare smtplib loop.

Needs DATABASE_URL and REDIS_URL (a throwaway database: `make bench ARGS=messaging`). Migrates, makes an account
with N customers with email consent (one INSERT … SELECT from generate_series), then times the product's fan-out
(`messaging.fan_out`: one INSERT … SELECT of queued messages) and its commit. Then, for M of them, it times the
product's batch sending (`messaging_dispatch.send_batch`, exactly what the Celery task runs: skip rules, rate
limiter with EMAIL_RATE_PER_SECOND set high, claims, rendering, SMTP, write-back) with one and with two worker
processes, beside a bare loop sending pre-built messages over one smtplib connection to the same sink, in the
same run. The sink is aiosmtpd's Sink handler in a process of its own (it accepts and drops).
Targets (issue 11): fan-out of 1,000,000 under 10 s; sending at least 85% of the bare loop.

    python bench/messaging.py [--customers 1000000] [--emails 50000]
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


def bare_loop(port: int, count: int) -> float:
    """Messages built beforehand (not timed), sent over one connection: the ceiling of one sender."""
    messages = []
    for i in range(count):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "news@shop.test", f"user{i}@example.com", "Hello"
        message.set_content(f"Hi user {i}, see https://shop.test/sale now.")
        messages.append((f"user{i}@example.com", message.as_bytes()))
    client = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for to, data in messages:
        client.sendmail("news@shop.test", [to], data)
    elapsed = time.perf_counter() - started
    client.quit()
    return count / elapsed


def _app(port: int):
    from app import create_app

    return create_app({"ENV": "testing", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": "none",
                       "EMAIL_RATE_PER_SECOND": 1_000_000, "MAX_MESSAGES_PER_CUSTOMER_PER_DAY": 1_000_000})


def _worker(port: int, send_id: str, batches: list[int], ready, go, times) -> None:
    app = _app(port)
    with app.app_context():
        from app.services import messaging_dispatch

        ready.wait()  # every worker has its app and imports: only sending is timed
        go.wait()
        started = time.perf_counter()
        for batch_no in batches:
            messaging_dispatch.send_batch(send_id, batch_no)
        times.put((started, time.perf_counter()))


def product_send(port: int, count: int, workers: int, account_id, user_id, label: str) -> float:
    """Fan a fresh campaign out to `count` customers and send every batch with `workers` processes."""
    from sqlalchemy import text

    from app.extensions import db
    from app.models import Account, CampaignSend, SendStatus, User
    from app.services import campaigns, messaging

    account, user = db.session.get(Account, account_id), db.session.get(User, user_id)
    campaign = campaigns.create_campaign(account, actor=user, name=f"Bench {label}", channel="email", budget=1,
                                         content={"en": {"subject": "Hello {{ first_name }}",
                                                         "body": "Hi {{ first_name }}, see https://shop.test/sale now."}},
                                         audience={})
    send = CampaignSend(account_id=account.id, campaign_id=campaign.id, channel="email", status=SendStatus.SENDING,
                        send_at=messaging.utcnow(), batch_size=500, started_at=messaging.utcnow())
    db.session.add(send)
    db.session.flush()
    # Only the first `count` customers: the rest of the fan-out table is left alone.
    db.session.execute(text("UPDATE customers SET email_consent = (attributes->>'n')::int < :count "
                            "WHERE account_id = :a"), {"count": count, "a": account.id})
    send.total = messaging.fan_out(campaign, send)
    send.batches = -(-send.total // send.batch_size)
    db.session.commit()
    send_id, batches = str(send.id), list(range(send.batches))
    context = multiprocessing.get_context("fork")
    db.engine.dispose()  # children must not share the parent's connections
    ready, go, times = context.Barrier(workers + 1), context.Barrier(workers + 1), context.Queue()
    processes = [context.Process(target=_worker, args=(port, send_id, batches[k::workers], ready, go, times))
                 for k in range(workers)]
    for process in processes:
        process.start()
    ready.wait()
    go.wait()
    spans = [times.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    sent = db.session.scalar(text("SELECT count(*) FROM messages WHERE campaign_id = :c AND status = 'sent'"),
                             {"c": campaign.id})
    assert sent == send.total, f"{sent} of {send.total} sent"
    return sent / elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--emails", type=int, default=50_000)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import text

    port = free_port()
    app = _app(port)
    with app.app_context():
        from app.extensions import db
        from app.models import CampaignSend, SendStatus
        from app.services import campaigns, messaging
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

        campaign = campaigns.create_campaign(account, actor=user, name="Bench fan-out", channel="email", budget=1,
                                             content={"en": {"subject": "Hi", "body": "Hi"}, "es": {"subject": "Hola",
                                                                                                    "body": "Hola"}})
        send = CampaignSend(account_id=account.id, campaign_id=campaign.id, channel="email", status=SendStatus.SENDING,
                            send_at=messaging.utcnow(), batch_size=500)
        db.session.add(send)
        db.session.flush()
        started = time.perf_counter()
        total = messaging.fan_out(campaign, send)
        db.session.commit()
        fanout = time.perf_counter() - started
        print(f"# fan-out: {total} messages", flush=True)

        sink = start_sink(port)
        try:
            bare = bare_loop(port, args.emails)
            print(f"# bare smtplib loop: {bare:.0f} msg/s", flush=True)
            one = product_send(port, args.emails, 1, account.id, user.id, "one")
            print(f"# product, 1 worker: {one:.0f} msg/s", flush=True)
            two = product_send(port, args.emails, 2, account.id, user.id, "two")
        finally:
            sink.terminate()

    print(f"fanout_{args.customers}_customers: {fanout:.2f} s")
    print(f"smtp_bare_loop: {bare:.0f} msg/s")
    print(f"smtp_product_1_worker: {one:.0f} msg/s")
    print(f"smtp_product_1_worker_share_of_bare: {100 * one / bare:.0f} %")
    print(f"smtp_product_2_workers: {two:.0f} msg/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
