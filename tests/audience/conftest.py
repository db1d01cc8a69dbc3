"""Audience fixtures: no import outlives its test (a worker started earlier may still pick one up)."""
import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import ImportJob, ImportStatus
from tests.conftest import wait_for


@pytest.fixture(scope="session", autouse=True)
def _import_storage(app, tmp_path_factory):
    """Uploaded files go to a temporary directory, not the working tree."""
    app.config["STORAGE_DIR"] = str(tmp_path_factory.mktemp("storage"))


@pytest.fixture(autouse=True)
def _settle_imports(app):
    yield
    with app.app_context():
        db.session.rollback()
        db.session.execute(update(ImportJob).where(ImportJob.status == ImportStatus.QUEUED)
                           .values(status=ImportStatus.FAILED, message="test ended"))
        db.session.commit()

        def settled():
            db.session.expire_all()
            return not db.session.query(ImportJob).filter(ImportJob.status == ImportStatus.RUNNING).count()

        wait_for(settled, timeout=30)
        db.session.remove()
