"""`flask reports export`: the same exports as the API and pages, written to a file from the command line."""
import sys
import uuid
from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import AppGroup

from app.errors import DomainError
from app.extensions import db
from app.models import Account, CampaignStatus, Channel, MessageStatus
from app.services import campaigns, report_pdf, reports_csv

reports_cli = AppGroup("reports", help="Exports: campaigns, customers and messages as CSV; campaigns as PDF.")


def _date(value: str | None):
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc) if value else None


@reports_cli.command("export")
@click.option("--account", "account_id", required=True, help="Account id.")
@click.option("--kind", type=click.Choice(["campaigns", "customers", "messages"]), default="campaigns",
              show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "pdf"]), default="csv", show_default=True,
              help="pdf: campaigns only, drawn in this process.")
@click.option("--campaign", "campaign_id", help="The campaign whose messages to export (--kind messages).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="File to write; CSV goes to standard output without it.")
@click.option("--status", help="Campaign or message status.")
@click.option("--channel", help="Campaign or message channel.")
@click.option("--search", help="Campaigns or customers containing this text.")
@click.option("--tag", help="Customers with this tag.")
@click.option("--start-date", help="Campaigns starting on or after (YYYY-MM-DD).")
@click.option("--end-date", help="Campaigns ending on or before (YYYY-MM-DD).")
@click.option("--language", help="The PDF's language (en, es); the account's by default.")
def export(account_id, kind, fmt, campaign_id, output, status, channel, search, tag, start_date, end_date,
           language) -> None:
    """Write an export with the lists' filters (CSV streamed with a BOM; PDF with totals, charts and a table)."""
    try:
        account = db.session.get(Account, uuid.UUID(account_id))
    except ValueError:
        account = None
    if account is None:
        raise click.ClickException(f"No account {account_id}")
    statuses = MessageStatus if kind == "messages" else CampaignStatus
    if status and status not in {s.value for s in statuses}:
        raise click.BadParameter(f"one of {', '.join(s.value for s in statuses)}", param_hint="--status")
    if channel and channel not in {c.value for c in Channel}:
        raise click.BadParameter(f"one of {', '.join(c.value for c in Channel)}", param_hint="--channel")
    try:
        if kind == "campaigns":
            filters = {k: v for k, v in dict(status=status, channel=channel, search=search,
                                             start_date=_date(start_date), end_date=_date(end_date)).items() if v}
            if fmt == "pdf":
                if not output:
                    raise click.UsageError("--format pdf needs --output")
                if language and language not in current_app.config["LANGUAGES"]:
                    raise click.BadParameter(f"one of {', '.join(current_app.config['LANGUAGES'])}",
                                             param_hint="--language")
                report = report_pdf.build(account, filters, language=language)
                with open(output, "wb") as out:
                    out.write(report_pdf.render(report))
                click.echo(f"Wrote {output}: {report.totals['campaigns']} campaigns", err=True)
                return
            export = reports_csv.campaigns_export(account, **filters)
        elif fmt == "pdf":
            raise click.UsageError("PDF reports exist for campaigns only")
        elif kind == "customers":
            export = reports_csv.customers_export(account, **{k: v for k, v in dict(search=search, tag=tag).items() if v})
        else:
            if not campaign_id:
                raise click.UsageError("--kind messages needs --campaign")
            export = reports_csv.messages_export(campaigns.get_campaign(account, campaign_id), status=status,
                                                 channel=channel)
        out = open(output, "wb") if output else sys.stdout.buffer
        try:
            for block in reports_csv.stream(export):
                out.write(block)
        finally:
            if output:
                out.close()
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} {exc.details or ''}".strip()) from None
