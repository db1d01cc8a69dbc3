"""Flask commands: demo data, users, housekeeping. They call services and print what they did."""
import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.extensions import db
from app.models import User, UserRole
from app.services import accounts, auth, unit_of_work

seed_cli = AppGroup("seed", help="Load demo or sample data.")
auth_cli = AppGroup("auth", help="Authentication housekeeping.")
users_cli = AppGroup("users", help="Manage users.")

DEMO_PASSWORD = "demo-password-1"
DEMO_USERS = (
    # username, role, full name, client accounts (agencies)
    ("admin", UserRole.ADMIN, "Platform Admin", ()),
    ("store", UserRole.STORE_OWNER, "Lucía's Corner Store", ()),
    ("agency", UserRole.AGENCY, "Brightside Agency", ("Café Aroma", "Urban Bikes")),
)


@unit_of_work
def _ensure_admin(username: str, email: str, password: str, full_name: str) -> tuple[User, bool]:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is not None:
        return user, False
    user = accounts.register_user(username=username, email=email, password=password, full_name=full_name,
                                  account_name="Platform")
    user.role = UserRole.ADMIN
    return user, True


@seed_cli.command("demo")
def seed_demo() -> None:
    """An admin, a store owner, and an agency with two client accounts (idempotent)."""
    for username, role, full_name, clients in DEMO_USERS:
        email = f"{username}@example.com"
        if role == UserRole.ADMIN:
            _ensure_admin(username, email, DEMO_PASSWORD, full_name)
            continue
        user = db.session.scalar(select(User).where(func.lower(User.username) == username))
        if user is None:
            user = accounts.register_user(username=username, email=email, password=DEMO_PASSWORD,
                                          full_name=full_name, role=role, account_name=full_name)
        existing = {a.name for a in db.session.scalars(accounts.accounts_for(user))}
        for client in clients:
            if client not in existing:
                accounts.create_client_account(user, name=client)
    click.echo("Demo logins (password for all: %s):" % DEMO_PASSWORD)
    for username, role, *_ in DEMO_USERS:
        click.echo(f"  {username:8} {role.value}")


@users_cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.password_option()
def create_admin(username: str, email: str, password: str) -> None:
    """Create a platform admin who can open /admin."""
    user, created = _ensure_admin(username, email, password, username)
    click.echo(f"{'Created' if created else 'Already exists:'} admin {user.username}")


@auth_cli.command("cleanup-tokens")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def cleanup_tokens(dry_run: bool) -> None:
    """Delete expired and revoked refresh tokens."""
    count = auth.cleanup_tokens(dry_run=dry_run)
    click.echo(f"{'Would delete' if dry_run else 'Deleted'} {count} refresh token(s).")


def register_commands(app: Flask) -> None:
    for group in (seed_cli, auth_cli, users_cli, geo_cli):
        app.cli.add_command(group)


geo_cli = AppGroup("geo", help="The offline gazetteer (places for geolocation).")


@geo_cli.command("load")
@click.option("--force", is_flag=True, help="Reload even if this build of the gazetteer is loaded.")
def geo_load(force: bool) -> None:
    """Load countries' cities into PostGIS from the packaged gazetteer (idempotent; COPY)."""
    from app.services.geolocation_data import load_gazetteer

    with db.engine.begin() as connection:
        result = load_gazetteer(connection, force=force)
    if result["loaded"]:
        click.echo(f"Loaded {result['places']} places, {result['names']} names, {result['variants']} variants "
                   f"in {result['seconds']} s ({result['version']}).")
    else:
        click.echo(f"Already loaded: {result['version']}.")
