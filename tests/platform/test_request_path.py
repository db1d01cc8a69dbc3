"""The shared request path (issue 10): one Redis round trip, the caller cached with versioned invalidation, no
pool pre-ping, campaign reads in one or two statements; and every guarantee kept while getting there."""
import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone

import marshmallow as ma
import psycopg2
import pytest
from sqlalchemy import event, text, update

from app import create_app, dbpool
from app.blueprints.auth.schemas import UserSchema
from app.blueprints import common
from app.blueprints.campaigns.schemas import CampaignDetailSchema, CampaignQueryArgsSchema, CampaignSchema
from app.blueprints.customers.schemas import CustomerSchema
from app.blueprints.fastdump import FastDumpSchema
from app.extensions import db
from app.models import Customer, User, UserStatus
from app.services import accounts, auth, campaign_reads, campaign_stats, members, pagination, principals
from app.services import campaigns as campaigns_service, customers as customers_service
from tests.conftest import free_port, wait_for
from tests.factories import add_member, make_user, own_account, sign_in
from tests.promos.factories import make_customer as make_promo_customer, make_promo

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
TESTING_KEY = "test-secret-key-that-is-long-enough-1234"  # TestingConfig's, so tokens made here verify there


def _token(user) -> str:
    return auth.issue_tokens(db.session.get(User, user.id)).access_token


@contextlib.contextmanager
def _gunicorn(tmp_path, **settings):
    """The app under gunicorn with two sync workers (as the Procfile runs it), on this test's database and Redis."""
    port = free_port()
    env = dict(os.environ, ENV="development", SECRET_KEY=TESTING_KEY, LOG_LEVEL="WARNING",
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path), **{"RATE_LIMIT_DEFAULT": "100000/hour", **settings})
    log = open(tmp_path / "gunicorn.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--no-control-socket", "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: server.poll() is not None or _get(base + "/health")[0] == 200, timeout=60, interval=0.2)
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
        yield base
    except BaseException:
        print((tmp_path / "gunicorn.log").read_text()[-5000:])
        raise
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _get(url, token=None, headers=None):
    request = urllib.request.Request(url, headers={**({"Authorization": f"Bearer {token}"} if token else {}),
                                                   **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return None, {}, b""


def _many(url, token, count, headers=None, threads=8):
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda _: _get(url, token, headers), range(count)))


# Rate limits ---------------------------------------------------------------------------------------------------

def test_a_limit_holds_exactly_across_two_gunicorn_servers(app, user, tmp_path):
    token = _token(user)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # Two servers (two workers each): requests alternate between them, so several processes surely count.
    with _gunicorn(tmp_path / "a", RATE_LIMIT_DEFAULT="30/minute") as one, \
            _gunicorn(tmp_path / "b", RATE_LIMIT_DEFAULT="30/minute") as other:
        urls = [(one, other)[n % 2] + "/api/v1/users/me" for n in range(45)]
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda url: _get(url, token), urls))
        statuses = [status for status, _, _ in answers]
        assert statuses.count(200) == 30 and statuses.count(429) == 15
        # One counter for every process, counted atomically: every remaining count shows up exactly once.
        assert sorted(int(h["X-RateLimit-Remaining"]) for s, h, _ in answers if s == 200) == list(range(30))
        assert {h["X-RateLimit-Limit"] for _, h, _ in answers} == {"30"}
        for status, headers, body in answers:
            if status == 429:
                assert headers["X-RateLimit-Remaining"] == "0" and 1 <= int(headers["Retry-After"]) <= 60
                assert json.loads(body)["type"] == "RateLimitError"
        assert None not in statuses  # each server answered its half: 30 in all, not 30 each


def test_rate_limit_headers_are_exact(app, owner_api, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_DEFAULT", "5/minute")
    answers = [owner_api.get("/users/me") for _ in range(6)]
    now = time.time()
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["4", "3", "2", "1", "0", "0"]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"5"}
    for answer in answers:
        assert now - 1 <= int(answer.headers["X-RateLimit-Reset"]) <= now + 61
    assert all("Retry-After" not in answer.headers for answer in answers[:5])  # only a refusal says when to retry
    retry_after = int(answers[-1].headers["Retry-After"])
    assert 1 <= retry_after <= 60 and abs(int(answers[-1].headers["X-RateLimit-Reset"]) - now - retry_after) <= 2
    assert answers[-1].json == {"error": "Rate limit exceeded: 5 per 1 minute", "type": "RateLimitError",
                                "status_code": 429}


def test_the_default_limit_counts_per_client_and_endpoint(app, owner_api, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_DEFAULT", "2/minute")
    assert [owner_api.get("/users/me").status_code for _ in range(3)] == [200, 200, 429]
    assert owner_api.get("/accounts").status_code == 200  # another endpoint, another counter (as before)


def test_health_and_metrics_are_not_limited(app, api):
    answer = api.get("/health")
    assert answer.status_code == 200 and "X-RateLimit-Limit" not in answer.headers


def test_with_redis_down_limits_count_per_process_and_bearer_tokens_are_refused(app, user):
    token = _token(user)
    broken = create_app({"ENV": "testing", "REDIS_URL": "redis://127.0.0.1:1/0"})
    client = broken.test_client()
    # Revocation cannot be checked: a bearer token is refused (503), never let in unchecked.
    answer = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503 and answer.json["type"] == "ServiceUnavailableError"
    anonymous = client.get("/api/v1/users/me")
    assert anonymous.status_code == 401 and anonymous.headers["X-RateLimit-Limit"] == "100000"


# One round trip each ---------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _counting(app):
    """Count SQL statements and Redis commands sent while the block runs."""
    import redis

    counts = {"sql": 0, "redis": 0}
    original = redis.Redis.execute_command

    def count_redis(self, *args, **kwargs):
        counts["redis"] += 1
        return original(self, *args, **kwargs)

    def count_sql(*_args):
        counts["sql"] += 1

    fetch_one = dbpool.fetch_one

    def count_fetch_one(*args, **kwargs):  # statements run on the driver's cursor, outside the engine's events
        count_sql()
        return fetch_one(*args, **kwargs)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count_sql)
    redis.Redis.execute_command = count_redis
    dbpool.fetch_one = count_fetch_one
    try:
        yield counts
    finally:
        redis.Redis.execute_command = original
        dbpool.fetch_one = fetch_one
        event.remove(engine, "before_cursor_execute", count_sql)


@pytest.fixture
def analytics(owner_api, user):
    campaign = owner_api.post("/campaigns", json={"name": "Analytics", "budget": 100, "channel": "display"}).json
    campaign_stats.upsert_metrics([
        {"campaign_id": uuid.UUID(campaign["id"]), "day": d, "site": s, "impressions": i, "clicks": c,
         "conversions": v, "spend": sp}
        for d, s, i, c, v, sp in [(date(2024, 1, 5), "a.com", 100, 10, 1, "10.00"),
                                  (date(2024, 2, 5), "b.com", 200, 10, 1, "20.00")]])
    db.session.commit()
    return campaign


@pytest.mark.parametrize("path,statements", [
    ("/users/me", 0), ("/campaigns/{id}", 1), ("/campaigns/{id}?include=periods,sites", 2),
    ("/campaigns?size=20", 1),  # the fingerprint of the page the answer was rendered from
])
def test_a_read_is_one_redis_round_trip_and_few_statements(app, owner_api, analytics, path, statements):
    path = path.format(id=analytics["id"])
    assert owner_api.get(path).status_code == 200  # the caller is now cached in this process
    db.session.remove()  # what the end of a real request does (this test's requests share its app context)
    with _counting(app) as counts:
        answer = owner_api.get(path)
    assert answer.status_code == 200
    assert counts == {"sql": statements, "redis": 1}


def test_argument_schemas_are_made_once_not_per_request(owner_api, analytics, monkeypatch):
    # The API's parser keeps one instance of each argument schema class (app.blueprints.common.ArgumentsParser).
    made = []
    monkeypatch.setattr(CampaignQueryArgsSchema, "__init__",
                        lambda self, *a, **kw: (made.append(1), ma.Schema.__init__(self, *a, **kw))[1])
    common._schema_instance.cache_clear()
    for status in ("draft", "active", "draft"):
        page = owner_api.get(f"/campaigns?size=5&status={status}")
        assert page.status_code == 200 and all(c["status"] == status for c in page.json["campaigns"])
    assert len(made) == 1
    assert owner_api.get("/campaigns?size=500").status_code == 422  # the one instance still validates


def test_campaign_detail_has_stats_and_only_the_breakdowns_asked_for(owner_api, analytics):
    plain = owner_api.get(f"/campaigns/{analytics['id']}").json
    assert "periods" not in plain and "sites" not in plain
    assert plain["stats"]["views"] == 300 and plain["stats"]["ctr"] == 6.67 and plain["views_count"] == 300
    periods = owner_api.get(f"/campaigns/{analytics['id']}?include=periods").json
    assert [p["period"] for p in periods["periods"]] == ["2024-01", "2024-02"] and "sites" not in periods
    both = owner_api.get(f"/campaigns/{analytics['id']}?include=sites,periods").json
    assert [(s["site"], s["spend"]) for s in both["sites"]] == [("b.com", 20.0), ("a.com", 10.0)]
    assert both["periods"][1] | {"views": 200, "start_date": "2024-02-01", "end_date": "2024-02-29"} == \
        both["periods"][1]
    assert owner_api.get(f"/campaigns/{analytics['id']}?include=hourly").status_code == 422
    by_name = owner_api.get("/campaigns/by-name/analytics").json  # seed 004's detail: both, unless narrowed
    assert by_name["periods"] == both["periods"] and by_name["sites"] == both["sites"]


def test_campaign_list_counters_follow_the_page_order(owner_api, user):
    ids = [owner_api.post("/campaigns", json={"name": f"C{n}", "budget": 10 + n, "channel": "email"}).json["id"]
           for n in range(5)]
    for n, campaign_id in enumerate(ids):
        campaign_stats.upsert_metrics([{"campaign_id": uuid.UUID(campaign_id), "day": date(2024, 1, 1), "site": "",
                                        "impressions": 100 * n, "clicks": n, "conversions": 0, "spend": "1.00"}])
    db.session.commit()
    page = owner_api.get("/campaigns?size=2&page=2&sort=budget").json
    assert [(c["name"], c["views_count"], c["clicks_count"]) for c in page["campaigns"]] == [
        ("C2", 200, 2), ("C3", 300, 3)]
    assert page["total"] == 5


# Answers served again while their fingerprint holds -------------------------------------------------------------

def _fresh_detail(account, campaign_id) -> dict:
    """The detail as rendered from scratch, through JSON as the API sends it."""
    view = campaign_reads.campaign_detail(account, campaign_id)
    return json.loads(json.dumps(CampaignDetailSchema().dump(view), default=str))


def test_a_detail_read_again_is_one_statement_and_the_same_answer(app, owner_api, user, analytics):
    first = owner_api.get(f"/campaigns/{analytics['id']}")
    db.session.remove()  # what the end of a real request does (this test's requests share its app context)
    with _counting(app) as counts:
        again = owner_api.get(f"/campaigns/{analytics['id']}")
    assert counts["sql"] == 1 and again.data == first.data
    assert again.json == _fresh_detail(own_account(user), analytics["id"])


def test_every_kind_of_change_shows_in_the_next_detail_read(app, owner_api, user, analytics):
    campaign_id, account = analytics["id"], own_account(user)

    def read():
        answer = owner_api.get(f"/campaigns/{campaign_id}")
        assert answer.status_code == 200 and answer.json == _fresh_detail(account, campaign_id)
        return answer.json

    assert read()["stats"]["views"] == 300
    assert owner_api.patch(f"/campaigns/{campaign_id}", json={"name": "Renamed"}).status_code == 200
    assert read()["name"] == "Renamed"
    # A set-based upsert of metrics: no ORM object of the campaign is touched.
    campaign_stats.upsert_metrics([{"campaign_id": uuid.UUID(campaign_id), "day": date(2024, 1, 5), "site": "a.com",
                                    "impressions": 1100, "clicks": 10, "conversions": 1, "spend": "10.00"}])
    db.session.commit()
    assert read()["stats"]["views"] == 1300
    # Behind the app's back, as psql would: the fingerprint is PostgreSQL's, so this is seen too.
    db.session.execute(text("UPDATE campaigns SET budget = 777 WHERE id = :id"), {"id": campaign_id})
    db.session.execute(text("DELETE FROM campaign_metrics WHERE campaign_id = :id AND site = 'b.com'"),
                       {"id": campaign_id})
    db.session.commit()
    changed = read()
    assert changed["budget"] == 777.0 and changed["stats"]["views"] == 1100 and changed["views_count"] == 1100
    assert owner_api.delete(f"/campaigns/{campaign_id}").status_code == 204
    assert owner_api.get(f"/campaigns/{campaign_id}").status_code == 404


def test_an_answer_is_kept_under_the_fingerprint_of_its_own_data(app, owner_api, user, analytics, monkeypatch):
    """A change committed between the fingerprint check and the read is in the answer and in its fingerprint, so
    the answer kept is never older than the fingerprint it is kept under."""
    campaign_id, account = analytics["id"], own_account(user)
    checked = campaign_reads.detail_fingerprint

    def check_then_change(*args):
        fingerprint = checked(*args)
        with app.app_context():  # another connection, committed before the read that follows
            db.session.execute(text("UPDATE campaigns SET name = 'Changed meanwhile' WHERE id = :id"),
                               {"id": campaign_id})
            db.session.commit()
        return fingerprint

    monkeypatch.setattr(campaign_reads, "detail_fingerprint", check_then_change)
    assert owner_api.get(f"/campaigns/{campaign_id}").json["name"] == "Changed meanwhile"
    monkeypatch.setattr(campaign_reads, "detail_fingerprint", checked)
    with _counting(app) as counts:
        again = owner_api.get(f"/campaigns/{campaign_id}")
    assert counts["sql"] == 1 and again.json == _fresh_detail(account, campaign_id)


# The cached caller -----------------------------------------------------------------------------------------------

def test_access_ends_in_every_worker_on_the_next_request(app, user, tmp_path):
    account = own_account(user)
    member = make_user(username="member")
    add_member(account, member, "viewer")
    member_token, owner_token = _token(member), _token(user)
    in_account = {"X-Account-Id": str(account.id)}
    # An hour of cache: whatever ends access below does so by invalidation, not by expiry.
    with _gunicorn(tmp_path, PRINCIPAL_CACHE_SECONDS="3600") as base:
        # Both workers have both callers cached.
        assert {s for s, _, _ in _many(base + "/api/v1/campaigns", member_token, 40, in_account)} == {200}
        assert {s for s, _, _ in _many(base + "/api/v1/users/me", owner_token, 40)} == {200}

        members.remove_member(db.session.get(type(account), account.id), actor=db.session.get(User, user.id),
                              user_id=member.id)
        assert {s for s, _, _ in _many(base + "/api/v1/campaigns", member_token, 20, in_account)} == {404}
        assert {s for s, _, _ in _many(base + "/api/v1/users/me", member_token, 20)} == {200}  # still a user

        accounts.set_user_status(db.session.get(User, member.id), UserStatus.DISABLED, actor=None)
        assert {s for s, _, _ in _many(base + "/api/v1/users/me", member_token, 20)} == {401}

        claims = __import__("jwt").decode(owner_token, options={"verify_signature": False})
        auth.logout(refresh_token=None, access_claims=claims)
        assert {s for s, _, _ in _many(base + "/api/v1/users/me", owner_token, 20)} == {401}


def test_a_change_made_behind_the_apps_back_is_seen_within_the_cache_age(app, owner_api, user, monkeypatch):
    monkeypatch.setitem(app.config, "PRINCIPAL_CACHE_SECONDS", 0.5)
    assert owner_api.get("/users/me").status_code == 200
    db.session.execute(text("UPDATE users SET status = 'disabled' WHERE id = :id"), {"id": user.id})  # as psql
    db.session.commit()
    time.sleep(0.6)
    assert owner_api.get("/users/me").status_code == 401


def test_a_profile_change_shows_at_once(owner_api):
    assert owner_api.get("/users/me").json["full_name"] == ""
    assert owner_api.put("/users/me", json={"full_name": "Ana Owner"}).status_code == 200
    assert owner_api.get("/users/me").json["full_name"] == "Ana Owner"


def test_a_bulk_statement_on_users_must_name_the_users_it_changes(app, user):
    with pytest.raises(RuntimeError, match="must name the users"):
        db.session.execute(update(User).values(full_name="everyone"))
    db.session.rollback()
    principals.changed(user.id)
    db.session.execute(update(User).where(User.id == user.id).values(full_name="named"))
    db.session.commit()


# No pre-ping -----------------------------------------------------------------------------------------------------

@pytest.fixture
def fresh_pool_after(app):
    yield
    with app.app_context():  # no connection this test killed may reach a later test
        db.session.remove()
        db.engine.dispose()


def _kill_app_connections(app):
    """What a PostgreSQL restart does to the pool: every connection it holds is gone."""
    db.session.remove()  # this test's requests share its app context: hand its connection back to the pool
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg2://", "postgresql://")
    conn = psycopg2.connect(url)
    conn.autocommit = True
    conn.cursor().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    conn.close()


def test_a_connection_dropped_while_idle_is_replaced_before_use(app, owner_api, analytics, monkeypatch,
                                                                fresh_pool_after):
    monkeypatch.setitem(dbpool._settings, "idle_check_seconds", 0)  # every connection counts as idle
    assert owner_api.get(f"/campaigns/{analytics['id']}").status_code == 200
    _kill_app_connections(app)
    assert owner_api.get(f"/campaigns/{analytics['id']}").status_code == 200


def test_a_connection_dropped_while_busy_fails_one_request_with_503(app, owner_api, analytics, monkeypatch,
                                                                     fresh_pool_after):
    monkeypatch.setitem(dbpool._settings, "idle_check_seconds", 3600)  # no connection is checked
    assert owner_api.get(f"/campaigns/{analytics['id']}").status_code == 200
    _kill_app_connections(app)
    failed = owner_api.get(f"/campaigns/{analytics['id']}")
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "1"
    assert failed.json["type"] == "ServiceUnavailableError"
    db.session.remove()  # what the end of a real request does (this test's requests share its app context)
    assert owner_api.get(f"/campaigns/{analytics['id']}").status_code == 200  # the pool reconnected


def test_a_hold_dropped_with_its_connection_fails_with_503_and_holds_nothing(app, owner_api, user, monkeypatch,
                                                                              fresh_pool_after):
    # The hold runs on the driver's cursor of the session's connection (dbpool.fetch_one): a lost connection is
    # still a 503, the pool still reconnects, and the transaction leaves nothing behind.
    monkeypatch.setitem(dbpool._settings, "idle_check_seconds", 3600)  # no connection is checked
    account = own_account(user)
    promo = make_promo(account, stock=5, max_per_customer=5)
    customer = make_promo_customer(account, email="hold@example.com")
    body = {"promo_id": str(promo.id), "customer_id": str(customer.id)}
    assert owner_api.post("/reservations", json=body).status_code == 201  # the caller is now cached
    _kill_app_connections(app)
    failed = owner_api.post("/reservations", json=body)
    assert failed.status_code == 503 and failed.json["type"] == "ServiceUnavailableError"
    db.session.remove()  # what the end of a real request does (this test's requests share its app context)
    assert db.session.scalar(text("SELECT count(*) FROM reservations")) == 1
    assert db.session.scalar(text("SELECT stock FROM store_products")) == 4
    assert owner_api.post("/reservations", json=body).status_code == 201  # the pool reconnected


def test_a_hold_is_one_statement_and_one_redis_round_trip(app, owner_api, user):
    account = own_account(user)
    promo = make_promo(account, stock=5, max_per_customer=5)
    customer = make_promo_customer(account, email="hold@example.com")
    body = {"promo_id": str(promo.id), "customer_id": str(customer.id)}
    assert owner_api.post("/reservations", json=body).status_code == 201  # the caller is now cached
    db.session.remove()
    with _counting(app) as counts:
        held = owner_api.post("/reservations", json=body)
    assert held.status_code == 201 and held.json["status"] == "held" and held.json["quantity"] == 1
    assert counts == {"sql": 1, "redis": 1}


# Fast dumps are marshmallow's dumps ----------------------------------------------------------------------------------

def test_fast_dumps_equal_marshmallows(app, owner_api, user, analytics, monkeypatch):
    full = owner_api.post("/campaigns", json={
        "name": "Full", "budget": "1234.50", "channel": "amazon_ads", "keywords": "shoes, bikes",
        "start_date": "2030-01-01T10:00:00Z", "end_date": "2030-02-01T10:00:00+02:00", "priority": "high",
        "demographics": {"age": "25-35", "gender": "all", "interests": ["run"]},
        "target_locations": [{"type": "point", "coordinates": [-3.7, 40.4], "name": "Madrid"}],
        "audience": {"segment": "vip"}, "content": {"headline": "Hi"}}).json
    owner_api.post("/customers", json={"email": "c@example.com", "first_name": "Cé", "tags": ["vip"],
                                       "attributes": {"tier": 2}})
    account = own_account(user)
    objects = [
        (CampaignDetailSchema(), campaign_reads.campaign_detail(account, analytics["id"], include=("periods", "sites"))),
        (CampaignDetailSchema(), campaign_reads.campaign_detail(account, full["id"])),
        (CampaignSchema(many=True), campaign_reads.page_with_counters(
            __import__("app.services.campaigns", fromlist=["x"]).campaigns_query(account), page=1, size=10).items),
        (UserSchema(), db.session.get(User, user.id)),
        (CustomerSchema(many=True), db.session.query(Customer).all()),
    ]
    fast = [schema.dump(obj) for schema, obj in objects]
    monkeypatch.setattr(FastDumpSchema, "_serialize", ma.Schema._serialize)
    assert fast == [type(schema)(many=schema.many).dump(obj) for schema, obj in objects]


# Campaign list pages served again while their fingerprint holds ------------------------------------------------

def test_a_list_page_read_again_is_one_statement_with_the_same_answer_and_headers(app, owner_api, user):
    for n in range(3):
        owner_api.post("/campaigns", json={"name": f"L{n}", "budget": 10 + n, "channel": "email"})
    first = owner_api.get("/campaigns?size=2&sort=budget")
    db.session.remove()  # what the end of a real request does (this test's requests share its app context)
    with _counting(app) as counts:
        again = owner_api.get("/campaigns?size=2&sort=budget")
    assert counts["sql"] == 1 and again.data == first.data
    assert again.headers["X-Total-Count"] == "3" and again.headers["X-Page-Count"] == "2"
    assert [c["name"] for c in again.json["campaigns"]] == ["L0", "L1"]
    # Another page, size, filter or sort is another answer.
    assert [c["name"] for c in owner_api.get("/campaigns?size=2&sort=-budget").json["campaigns"]] == ["L2", "L1"]
    assert owner_api.get("/campaigns?size=2&sort=budget&page=2").json["campaigns"][0]["name"] == "L2"


@pytest.mark.parametrize("list_name,args", [
    ("campaigns", {}), ("campaigns", {"status": "draft", "channel": "email", "sort": "-budget,name"}),
    ("campaigns", {"search": "50%_o\\ff'", "priority": "high"}),
    ("campaigns", {"start_date": datetime(2030, 1, 1, tzinfo=timezone.utc),
                   "end_date": datetime(2031, 1, 1, tzinfo=timezone.utc), "sort": "-start_date"}),
    ("customers", {}), ("customers", {"tag": "VIP ", "language": "es", "consent": "email", "sort": "last_name"}),
    ("customers", {"behaviour": "frequent", "search": "Zoë 'o"}), ("customers", {"behaviour": "new"}),
])
def test_a_kept_answers_check_is_the_fingerprint_the_session_reads(app, owner_api, user, list_name, args):
    # A kept list answer is checked with its fingerprint statement compiled once and run on the driver's cursor:
    # for every kind of filter it must answer exactly what the session's statement answers.
    owner_api.post("/campaigns", json={"name": "Zoë's 50%_off\\", "budget": 10, "channel": "email",
                                       "priority": "high", "start_date": "2030-02-01T00:00:00Z"})
    owner_api.post("/customers", json={"email": "zoe@example.com", "first_name": "Zoë 'o", "tags": ["vip"],
                                       "language": "es", "email_consent": True})
    account = own_account(user)
    if list_name == "campaigns":
        query, also = campaigns_service.campaigns_query(account, **args), []
    else:
        query, also = customers_service.customers_query(account, **args), [customers_service.frequent_now()]
    for page in (1, 2):
        expected = pagination.fingerprint(query, page=page, size=1, also=also)[0]
        assert dbpool.fetch_one(*pagination.fingerprint_check(query, page=page, size=1, also=also))[0] == expected


def test_every_kind_of_change_shows_in_the_next_list_read(app, owner_api, user):
    ids = [owner_api.post("/campaigns", json={"name": f"L{n}", "budget": 10 + n, "channel": "email"}).json["id"]
           for n in range(3)]

    def names_and_views():
        page = owner_api.get("/campaigns?size=10&sort=budget").json
        return page["total"], [(c["name"], c["views_count"]) for c in page["campaigns"]]

    assert names_and_views() == (3, [("L0", 0), ("L1", 0), ("L2", 0)])
    campaign_stats.upsert_metrics([{"campaign_id": uuid.UUID(ids[1]), "day": date(2024, 1, 1), "site": "",
                                    "impressions": 50, "clicks": 1, "conversions": 0, "spend": "1.00"}])
    db.session.commit()
    assert names_and_views() == (3, [("L0", 0), ("L1", 50), ("L2", 0)])
    db.session.execute(text("UPDATE campaigns SET name = 'Z0' WHERE id = :id"), {"id": ids[0]})  # as psql
    db.session.commit()
    assert names_and_views() == (3, [("Z0", 0), ("L1", 50), ("L2", 0)])
    owner_api.post("/campaigns", json={"name": "L3", "budget": 5, "channel": "email"})
    assert names_and_views()[0] == 4
    assert owner_api.delete(f"/campaigns/{ids[2]}").status_code == 204
    assert names_and_views() == (3, [("L3", 0), ("Z0", 0), ("L1", 50)])


def test_a_list_answer_is_kept_under_the_fingerprint_of_its_own_snapshot(app, owner_api, user, monkeypatch):
    """A change committed between the fingerprint and the page is in neither (one snapshot): the answer kept is
    the one its fingerprint stands for, so reverting the change later brings back the right answer."""
    campaign_id = owner_api.post("/campaigns", json={"name": "Before", "budget": 10, "channel": "email"}).json["id"]
    fingerprint = pagination.fingerprint

    def then_change(*args, **kwargs):
        result = fingerprint(*args, **kwargs)
        with app.app_context():  # another connection, committed before the page is read
            db.session.execute(text("UPDATE campaigns SET name = 'During' WHERE id = :id"), {"id": campaign_id})
            db.session.commit()
        return result

    monkeypatch.setattr(pagination, "fingerprint", then_change)
    assert owner_api.get("/campaigns").json["campaigns"][0]["name"] == "Before"
    monkeypatch.setattr(pagination, "fingerprint", fingerprint)
    assert owner_api.get("/campaigns").json["campaigns"][0]["name"] == "During"
    db.session.execute(text("UPDATE campaigns SET name = 'Before' WHERE id = :id"), {"id": campaign_id})  # as psql
    db.session.commit()
    assert owner_api.get("/campaigns").json["campaigns"][0]["name"] == "Before"


def test_the_answer_cache_keeps_to_its_entries_and_bytes(app):
    from app.blueprints.answers import AnswerCache

    cache = AnswerCache(max_entries=3, max_bytes=40)
    with app.test_request_context():
        for n in range(4):
            cache.put(n, f"f{n}", {"n": n})  # {"n":0} and a newline: 8 bytes each
        assert cache.get(0, "f0") is None and cache.get(1, "f1").json == {"n": 1}  # the oldest went first
        assert cache.get(3, "f-other") is None  # another fingerprint: not this answer
        cache.put(9, "f9", {"text": "x" * 20})  # 32 bytes: the oldest two go, for the count and for the bytes
        assert [k for k in (1, 2, 3, 9) if cache.get(k, f"f{k}") is not None] == [3, 9]
        cache.put(10, "f10", {"text": "x" * 100})  # larger than the whole cache: answered, not kept
        assert cache.get(10, "f10") is None and cache.get(9, "f9") is not None
        assert cache._bytes == sum(len(entry[1]) for entry in cache._entries.values())


@pytest.mark.parametrize("path", ["/campaigns/{id}", "/campaigns?size=5"])
def test_a_client_that_has_the_answer_gets_a_304_until_it_changes(app, owner_api, analytics, path):
    path = path.format(id=analytics["id"])
    first = owner_api.get(path)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and owner_api.get(path).headers["ETag"] == etag  # served again: the same
    unchanged = owner_api.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b"" and unchanged.headers["ETag"] == etag
    assert owner_api.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200
    assert owner_api.patch(f"/campaigns/{analytics['id']}", json={"name": "Changed"}).status_code == 200
    changed = owner_api.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and "Changed" in changed.text


def _listing(html: str) -> str:
    """The campaigns page's list (what answers.AnswerCache.fragment keeps), from its table to its pagination."""
    start = html.index('id="campaigns"')
    return html[start:html.index("</p>", start)]


def test_the_campaigns_page_keeps_its_list_until_a_row_changes_and_per_language_and_zone(app, client, user):
    account = own_account(user)
    for n in range(3):
        campaigns_service.create_campaign(account, actor=user, name=f"Kept {n}", budget=10 + n, channel="email")
    sign_in(client, user)
    db.session.remove()
    with _counting(app) as made:
        first = client.get("/campaigns?sort=budget").get_data(as_text=True)
    db.session.remove()
    with _counting(app) as kept:
        again = client.get("/campaigns?sort=budget").get_data(as_text=True)

    # Served again: the list's reads (a snapshot, its fingerprint, the page) became the one check.
    assert _listing(again) == _listing(first) and kept["sql"] <= made["sql"] - 2, (made, kept)
    assert first.index("Kept 0") < first.index("Kept 1") < first.index("Kept 2") and "3 in all" in first
    # Another sort is another list.
    other = client.get("/campaigns?sort=-budget").get_data(as_text=True)
    assert other.index("Kept 2") < other.index("Kept 1") < other.index("Kept 0")
    db.session.execute(text("UPDATE campaigns SET name = 'Renamed' WHERE name = 'Kept 0'"))  # as psql would
    db.session.commit()
    assert "Renamed" in _listing(client.get("/campaigns?sort=budget").get_data(as_text=True))

    # The same rows for a viewer who reads Spanish in another zone: their own words and times, not the kept ones.
    principals.changed(user.id)
    db.session.execute(update(User).where(User.id == user.id).values(language="es", timezone="Asia/Kolkata"))
    db.session.commit()
    spanish = _listing(client.get("/campaigns?sort=budget").get_data(as_text=True))
    assert "3 en total" in spanish and "3 in all" not in spanish
    assert "GMT+5:30" in spanish and "UTC" not in spanish


def test_a_customers_page_is_served_again_until_a_row_or_a_behaviour_changes(app, owner_api, user, config):
    """A customer's behaviour turns with the clock, not the row: the fingerprint covers it, so a customer who stops
    being frequent shows as returning on the next read, though no row changed."""
    config(AUDIENCE_FREQUENT_MIN_ORDERS=1, AUDIENCE_FREQUENT_DAYS=1)
    customer_id = owner_api.post("/customers", json={"email": "a@example.com", "first_name": "Ana"}).json["id"]
    # One order that leaves the one-day window three seconds from now.
    db.session.execute(text("UPDATE customers SET orders_count = 1, recent_orders = ARRAY[now() - interval '1 day' "
                            "+ interval '3 seconds'] WHERE id = :id"), {"id": customer_id})
    db.session.commit()
    assert owner_api.get("/customers").json["customers"][0]["behaviour"] == "frequent"
    db.session.remove()  # what the end of a real request does (this test's requests share its app context)
    with _counting(app) as counts:
        again = owner_api.get("/customers")
    assert counts["sql"] == 1 and again.json["customers"][0]["behaviour"] == "frequent"
    time.sleep(3.5)
    assert owner_api.get("/customers").json["customers"][0]["behaviour"] == "returning"
    assert owner_api.patch(f"/customers/{customer_id}", json={"first_name": "Ana María"}).status_code == 200
    assert owner_api.get("/customers").json["customers"][0]["first_name"] == "Ana María"
