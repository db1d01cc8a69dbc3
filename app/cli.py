"""Flask commands: demo data, users, housekeeping. They call services and print what they did."""
import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, ImportMode, User, UserRole
from app.services import accounts, auth, unit_of_work

seed_cli = AppGroup("seed", help="Load demo or sample data.")
auth_cli = AppGroup("auth", help="Authentication housekeeping.")
users_cli = AppGroup("users", help="Manage users.")
customers_cli = AppGroup("customers", help="Audience: customers and imports.")

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


@customers_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--account", "account_ref", required=True, help="Account id or exact name.")
@click.option("--mode", type=click.Choice([m.value for m in ImportMode]), default="upsert", show_default=True)
@click.option("--mapping", default=None, help='JSON object column -> field, e.g. \'{"Correo": "email"}\'.')
@click.option("--tags", default="", help="Comma-separated tags for every imported customer.")
def import_customers(file: str, account_ref: str, mode: str, mapping: str | None, tags: str) -> None:
    """Import customers from a CSV or XLSX FILE in this process, with a progress bar."""
    import json
    import os

    from app.errors import DomainError
    from app.services import imports

    account = _find_account(account_ref)
    try:
        with open(file, "rb") as fh:
            job = imports.create_import(account, actor=None, stream=fh, filename=os.path.basename(file),
                                        mode=ImportMode(mode), mapping=json.loads(mapping) if mapping else None,
                                        tags=tags, enqueue=False)
    except (DomainError, ValueError) as exc:
        details = getattr(exc, "details", None)
        raise click.ClickException(f"{getattr(exc, 'message', exc)} {json.dumps(details) if details else ''}")
    click.echo(f"Import {job.id}: columns {json.dumps(job.mapping, ensure_ascii=False)}")
    with click.progressbar(length=max(job.total_rows, 1), label="Importing", show_pos=True) as bar:
        state = {"done": 0}

        def advance(j) -> None:
            bar.length = max(j.total_rows, j.processed_rows, 1)
            if j.processed_rows > state["done"]:  # two writers report, not always in order
                bar.update(j.processed_rows - state["done"])
                state["done"] = j.processed_rows

        job = imports.run_import(job.id, on_progress=advance)
    click.echo(f"{job.status.value}: {job.created_count} created, {job.updated_count} updated, "
               f"{job.unchanged_count} unchanged, {job.skipped_count} skipped, {job.error_count} rejected"
               + (f" ({job.message})" if job.message else ""))
    for error in imports.first_errors(job, limit=20):
        click.echo(f"  line {error.line}: {error.reason}")
    if job.status.value != "completed":
        raise SystemExit(1)


def _find_account(ref: str) -> Account:
    import uuid

    try:
        account = db.session.get(Account, uuid.UUID(ref))
    except ValueError:
        account = db.session.scalar(select(Account).where(Account.name == ref))
    if account is None:
        raise click.ClickException(f"No account {ref!r}")
    return account


def register_commands(app: Flask) -> None:
    for group in (seed_cli, auth_cli, users_cli, customers_cli):
        app.cli.add_command(group)
