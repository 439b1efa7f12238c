# The production image: one image for the web process (gunicorn), the Celery workers, beat and the one-shot
# migration job; docker-compose.yml picks the command. Settings come from the environment (see docs/deployment.md).
FROM python:3.11-slim

# PYTHONPATH: the project is imported from /app, not from the copy `pip install .` puts in site-packages, because
# BASE_DIR is derived from the settings' location and templates/, static/ and locale/ live next to the code.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=pmo.settings.production \
    MEDIA_ROOT=/var/lib/pmo/media

# Pango, HarfBuzz and a CJK font for WeasyPrint PDFs (Chinese report packs need the font embedded).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY . .

# Installs the dependencies declared in pyproject.toml (Babel, gunicorn, Celery ...); drop the in-tree build output.
RUN pip install . \
    && rm -rf build ./*.egg-info

# Translations are compiled with Babel (a dependency), so the image needs no gettext.
RUN pybabel compile -d locale -D django

# Static files are collected at build time and served by WhiteNoise. The production settings refuse to load without
# a secret key and allowed hosts, and base.py would start the embedded PostgreSQL without DATABASE_URL: the dummy
# values below exist only for this command (nothing connects to them) and are not part of the image's environment.
RUN SECRET_KEY=build-time-only-collectstatic-key-not-used-at-runtime-0123456789 \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@127.0.0.1:1/build \
    REDIS_URL=redis://127.0.0.1:1/0 \
    python manage.py collectstatic --noinput

# Run as an unprivileged user. It may write only to .local/ (Celery beat's schedule file) and MEDIA_ROOT.
RUN groupadd --system --gid 10001 pmo \
    && useradd --system --uid 10001 --gid pmo --home-dir /app --no-create-home --shell /usr/sbin/nologin pmo \
    && mkdir -p /app/.local "$MEDIA_ROOT" \
    && chown pmo:pmo /app/.local "$MEDIA_ROOT"
USER pmo

EXPOSE 8000

# gunicorn reads WEB_CONCURRENCY (number of workers) and GUNICORN_CMD_ARGS from the environment.
CMD ["gunicorn", "pmo.wsgi:application", "--bind", "0.0.0.0:8000", "--timeout", "120", "--access-logfile", "-"]
