"""Flask commands: demo data and admins."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Membership, User, UserRole


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (User, Account, Membership))


def test_seed_demo_is_idempotent_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "admin" in first.output and "store" in first.output and "agency" in first.output
    after_first = counts()
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    assert counts() == after_first == (3, 5, 5)
    agency = db.session.scalar(select(User).where(User.username == "agency"))
    names = set(db.session.scalars(select(Account.name).join(Membership).where(Membership.user_id == agency.id)))
    assert {"Café Aroma", "Urban Bikes"} <= names
    assert db.session.scalar(select(User.role).where(User.username == "admin")) == UserRole.ADMIN


def test_create_admin(app):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "--username", "root", "--email",
                                                "root@example.com"], input="Sup3r-secret-pass\nSup3r-secret-pass\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.username == "root")) == UserRole.ADMIN


def test_seed_analytics_defaults_to_the_demo_store_account(app):
    from app.models import CampaignMetric
    from tests.campaigns.test_stats import SAMPLE_METRICS

    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    result = runner.invoke(args=["seed", "analytics", str(SAMPLE_METRICS)])
    assert result.exit_code == 0, result.output
    assert "Lucía's Corner Store" in result.output
    assert db.session.scalar(select(func.count()).select_from(CampaignMetric)) > 0
