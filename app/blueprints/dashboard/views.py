"""The dashboard page."""
from flask import Blueprint, render_template

from app.security import current_account, login_required
from app.services import dashboard

pages_bp = Blueprint("dashboard", __name__)


@pages_bp.get("/")
@login_required
def index():
    return render_template("dashboard/index.html", summary=dashboard.summary(current_account()))
