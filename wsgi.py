"""Entry point for gunicorn (`wsgi:app`) and Celery (`-A wsgi.celery`)."""
from dotenv import load_dotenv

# .env fills in what the environment leaves unset; a variable set in the environment wins.
load_dotenv(override=False)

from app import create_app  # noqa: E402

app = create_app()
celery = app.extensions["celery"]
