# Campaign Hub image: one image for web (gunicorn), worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=wsgi.py \
    PORT=8000 \
    STORAGE_DIR=/data/uploads \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

# WeasyPrint renders PDFs through Pango and HarfBuzz (libharfbuzz-subset0 embeds font subsets);
# DejaVu is the font it falls back to. Every Python dependency ships a manylinux wheel: no compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# Celery warns when run as root, and nothing here needs root once the image is built.
RUN useradd --create-home --uid 10001 --user-group app

WORKDIR /app
# Requirements first, so that a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The .mo catalogs are build output (not in git); the named volumes mount over dirs owned by app.
RUN if [ -d app/translations ]; then pybabel -q compile -d app/translations; fi \
 && mkdir -p /app/instance /data/uploads \
 && chown -R app:app /app/instance /data/uploads

USER app
EXPOSE 8000
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["sh", "-c", "exec gunicorn -w ${WEB_CONCURRENCY:-2} -b 0.0.0.0:${PORT} wsgi:app"]
