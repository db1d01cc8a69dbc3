"""Test data built through the services, so tests see the same rows the product makes."""
import itertools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from app.extensions import db
from app.models import MemberRole, User, UserRole
from app.services import accounts, members

PASSWORD = "Str0ng-passw0rd!"
_seq = itertools.count(1)
BARRIER_TIMEOUT = 30


def make_user(*, username: str | None = None, role: str = "store_owner", password: str = PASSWORD, **fields) -> User:
    n = next(_seq)
    username = username or f"user{n}"
    user_role = UserRole(role)
    user = accounts.register_user(
        username=username, email=fields.pop("email", f"{username}@example.com"), password=password,
        role=UserRole.STORE_OWNER if user_role == UserRole.ADMIN else user_role, **fields,
    )
    if user_role == UserRole.ADMIN:
        user.role = UserRole.ADMIN
        db.session.commit()
    return user


def own_account(user: User):
    return db.session.scalars(accounts.accounts_for(user)).first()


def add_member(account, user: User, role: str = "viewer"):
    """`user` joins `account` the only way there is: the owner invites their email and they accept."""
    invitation = members.invite_member(account, actor=account.created_by, email=user.email, role=MemberRole(role))
    return members.accept_invitation(invitation.id, user=user)


class ApiClient:
    """Thin wrapper over Flask's test client: JSON in and out, bearer token and X-Account-Id remembered."""

    prefix = "/api/v1"

    def __init__(self, client):
        self.client = client
        self.headers: dict[str, str] = {}

    def login(self, user: User, password: str = PASSWORD) -> "ApiClient":
        response = self.client.post(f"{self.prefix}/auth/login", json={"username": user.username, "password": password})
        assert response.status_code == 200, response.json
        other = ApiClient(self.client)
        other.headers = {"Authorization": f"Bearer {response.json['access_token']}"}
        other.tokens = response.json
        return other

    def in_account(self, account) -> "ApiClient":
        other = ApiClient(self.client)
        other.headers = dict(self.headers, **{"X-Account-Id": str(getattr(account, "id", account))})
        return other

    def _url(self, path: str) -> str:
        return path if path.startswith(("/api/", "/health", "/metrics")) else self.prefix + path

    def request(self, method: str, path: str, headers: dict | None = None, **kwargs):
        return self.client.open(self._url(path), method=method, headers={**self.headers, **(headers or {})}, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def sign_in(client, user: User, password: str = PASSWORD):
    """Log `user` in through the /login page with Flask's test client."""
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def sign_in_page(page, user: User, password: str = PASSWORD) -> None:
    """Log `user` in through the /login page in the browser and wait for the dashboard."""
    page.goto("/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: url.rstrip("/").count("/") == 2)


def race(app, calls: Sequence[Callable[[], Any]], *, catch: tuple[type[BaseException], ...] = (),
         workers: int | None = None) -> list:
    """Run each of `calls` on a thread of its own, each in its own app context (its own session and connection),
    the first `workers` (all by default) released together at a barrier so they meet in the database. Returns
    their results in order; an exception of a type in `catch` is returned as that call's result, any other is
    raised once every call has finished. A call that cannot reach the barrier breaks it (BrokenBarrierError in the
    others) after `BARRIER_TIMEOUT` seconds rather than hanging the suite."""
    workers = min(workers or len(calls), len(calls))
    barrier = threading.Barrier(workers, timeout=BARRIER_TIMEOUT)

    def run(i: int):
        with app.app_context():
            if i < workers:
                barrier.wait()
            try:
                return calls[i]()
            except catch as exc:
                return exc
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, range(len(calls))))
