"""The dashboard page: the account at a glance over a period, with charts and recent activity in words."""
from datetime import datetime

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from app.errors import DomainError
from app.security import current_account, current_user, login_required
from app.services import audit, dashboard, insight
from app.services.report_charts import day_bars, daily_lines, every_day


pages_bp = Blueprint("dashboard", __name__)


def _day(name: str):
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").date()
    except ValueError:
        return None


@pages_bp.get("/")
@login_required
def index():
    account, user = current_account(), current_user()
    try:
        figures = insight.figures(account, user, since=_day("since"), until=_day("until"))
    except DomainError:  # a backwards or too long period from the address bar: the default one
        figures = insight.figures(account, user)
    return render_template(
        "dashboard/index.html", summary=dashboard.summary(account), figures=figures, describe=audit.describe,
        daily_chart=daily_lines([d[:3] for d in every_day(figures.daily, figures.since, figures.until, (0, 0, 0))],
                                views_label=_("Impressions"), clicks_label=_("Clicks")),
        audience_chart=day_bars(every_day(figures.audience, figures.since, figures.until, (0,)),
                                label=_("New customers")))
