"""Flask commands: demo data, users, housekeeping. They call services and print what they did."""
import secrets
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.extensions import db
from app.errors import DomainError
from app.models import Account, Campaign, ImportMode, User, UserRole
from app.services import accounts, auth, campaign_stats, campaigns, promo_demo, unit_of_work
from app.services.passwords import password_problems

seed_cli = AppGroup("seed", help="Load demo or sample data.")
auth_cli = AppGroup("auth", help="Authentication housekeeping.")
users_cli = AppGroup("users", help="Manage users.")
customers_cli = AppGroup("customers", help="Audience: customers and imports.")

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
@click.option("--demo-password", envvar="DEMO_PASSWORD", default=None,
              help="Password for the demo users (also resets existing ones). Default: a random one per new user.")
def seed_demo(demo_password: str | None) -> None:
    """An admin, a store owner, and an agency with two client accounts (idempotent).

    No password is published: each new demo user gets a random one, printed once here, unless you choose one.
    """
    if demo_password and (problems := password_problems(demo_password)):
        raise click.BadParameter(" ".join(problems), param_hint="--demo-password")
    logins = []
    for username, role, full_name, clients in DEMO_USERS:
        email = f"{username}@example.com"
        password = demo_password or secrets.token_urlsafe(12)
        user = db.session.scalar(select(User).where(func.lower(User.username) == username))
        if user is None and role == UserRole.ADMIN:
            user, _created = _ensure_admin(username, email, password, full_name)
        elif user is None:
            user = accounts.register_user(username=username, email=email, password=password,
                                          full_name=full_name, role=role, account_name=full_name)
        elif demo_password:
            accounts.set_password(user, demo_password, actor=None)
        else:
            password = "(unchanged: set one with --demo-password)"
        logins.append((username, role, password))
        existing = {a.name for a in db.session.scalars(accounts.accounts_for(user))}
        for client in clients:
            if client not in existing:
                accounts.create_client_account(user, name=client)
    store = db.session.scalar(select(User).where(User.username == "store"))
    _seed_demo_campaigns(store)
    click.echo("Demo logins (shown once; keep them):")
    for username, role, password in logins:
        click.echo(f"  {username:8} {role.value:12} {password}")


SAMPLE_METRICS = Path(__file__).parent / "data" / "campaign_metrics.csv"
DEMO_CAMPAIGNS = (
    {"name": "Prime Day Electronics", "budget": 2500, "keywords": "headphones,speakers,prime day",
     "description": "Sponsored products for the electronics shelf", "priority": "high"},
    {"name": "Spring Newsletter", "channel": "email", "budget": 300, "priority": "low",
     "description": "Monthly newsletter to subscribed customers",
     "content": {"en": {"subject": "Spring is here", "body": "Fresh picks for you"}}},
    {"name": "Madrid Display", "channel": "display", "budget": 1200, "status": "scheduled",
     "start_date": "2030-03-01T00:00:00Z", "end_date": "2030-03-31T23:59:59Z",
     "demographics": {"age": "25-45", "gender": "all", "interests": ["coffee"]},
     "target_locations": [{"type": "point", "coordinates": [-3.7038, 40.4168], "name": "Madrid",
                           "address": "Madrid, España"}]},
)


def _seed_demo_campaigns(user: User) -> None:
    account = db.session.scalars(accounts.accounts_for(user)).first()
    for data in DEMO_CAMPAIGNS:
        exists = db.session.scalar(select(Campaign.id).where(
            Campaign.account_id == account.id, func.lower(Campaign.name) == data["name"].lower()))
        if exists is None:
            campaigns.create_campaign(account, actor=user, **data)
    result = campaign_stats.load_metrics_file(account, str(SAMPLE_METRICS), actor=user)
    click.echo(f"Campaign analytics in {account.name}: {result['rows']} metric rows, "
               f"{result['campaigns_created']} campaign(s) created, {result['metrics_changed']} row(s) changed.")
    seeded = promo_demo.seed_demo_promos(account, actor=user)
    if seeded["created"]:
        click.echo(f"Flash promos in {account.name}: store {seeded['store']}, {seeded['products']} products in stock, "
                   f"promo “{seeded['promo']}” running for two hours.")


def _find_account(wanted: str | None) -> Account:
    """The account an id or a name (any case) names; without one, the demo store's account."""
    if wanted:
        account = db.session.scalar(select(Account).where(
            (func.lower(Account.name) == wanted.lower()) | (func.cast(Account.id, db.String) == wanted)))
    else:
        store = db.session.scalar(select(User).where(User.username == "store"))
        account = db.session.scalars(accounts.accounts_for(store)).first() if store else \
            db.session.scalar(select(Account).order_by(Account.created_at))
    if account is None:
        raise click.ClickException(f"No account {wanted!r}; run `flask seed demo` or pass --account")
    return account


@seed_cli.command("analytics")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--account", "account_name", help="Account name or id (default: the demo store's account).")
def seed_analytics(csv_file: str, account_name: str | None) -> None:
    """Load campaign metrics (campaign,day,site,impressions,clicks,conversions,spend); running it twice changes nothing."""
    account = _find_account(account_name)
    try:
        result = campaign_stats.load_metrics_file(account, csv_file)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} {exc.details or ''}".strip()) from None
    click.echo(f"{account.name}: {result['rows']} row(s) read, {result['campaigns_created']} campaign(s) created, "
               f"{result['metrics_changed']} metric row(s) inserted or changed.")


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


ai_cli = AppGroup("ai", help="AI content.")


@ai_cli.command("generate")
@click.option("--product", "product_id", required=True, help="Product id.")
@click.option("--channels", default="social,email,whatsapp", show_default=True, help="Comma-separated channels.")
@click.option("--languages", default=None, help="Comma-separated languages (default DEFAULT_CAMPAIGN_LANGUAGE).")
@click.option("--tone", default="friendly", show_default=True)
def ai_generate(product_id: str, channels: str, languages: str | None, tone: str) -> None:
    """Write a new version of a product's copy per channel and language in this process, with a progress bar."""
    import uuid

    from app.integrations import IntegrationError
    from app.models import Product, ProductContent
    from app.services import ai_content

    try:
        product = db.session.get(Product, uuid.UUID(product_id))
    except ValueError:
        product = None
    if product is None:
        raise click.ClickException(f"No product {product_id}")

    def fail(exc: Exception) -> click.ClickException:
        return click.ClickException(f"{exc} {getattr(exc, 'details', '') or ''}".strip())

    try:
        job = ai_content.start_content_job(product, actor=None, channels=channels.split(","), tone=tone,
                                           languages=languages.split(",") if languages else None, enqueue=False)
    except DomainError as exc:
        raise fail(exc) from None
    try:
        with click.progressbar(ai_content.pending_items(job), label="Generating", show_pos=True,
                               item_show_func=lambda item: item and f"{item[0]} {item[1]}") as items:
            for channel, language in items:
                ai_content.run_job_item(job, channel, language)
    except (DomainError, IntegrationError) as exc:
        ai_content.fail_content_job(job.id, reason=str(exc))
        raise fail(exc) from None
    job = ai_content.run_content_job(job.id)  # nothing left: marks it completed
    for row in db.session.scalars(ai_content.contents_query(product).where(ProductContent.job_id == job.id)):
        click.echo(f"{row.channel.value:9} {row.language}  v{row.version}  [{row.provider}]  "
                   f"{(row.subject + ' | ') if row.subject else ''}{row.body[:70]}")


def register_commands(app: Flask) -> None:
    from app.reports_cli import reports_cli

    for group in (seed_cli, auth_cli, users_cli, geo_cli, customers_cli, ai_cli, reports_cli):
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
