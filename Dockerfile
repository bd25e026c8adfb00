# One image for every process of the product: web (gunicorn), worker and beat (Celery),
# and the one-off migrate job. Configuration comes from the environment at run time.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    STATIC_ROOT=/app/static \
    MEDIA_ROOT=/app/var/media

# WeasyPrint's system libraries. libharfbuzz-subset0 keeps font subsetting native: without it
# WeasyPrint falls back to fontTools and a report takes well over half as long again.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write('\n'.join(deps))" \
    && pip install -r /tmp/requirements.txt

COPY . .
RUN pip install --no-deps . \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var

# Static files are collected at build time with placeholder settings: nothing here is secret
# and collectstatic touches neither the database nor Redis.
RUN DEBUG=false \
    SECRET_KEY=collectstatic-at-build-time-only-never-used-to-serve-requests-0123456789 \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

USER app

EXPOSE 8000

# Worker count from WEB_CONCURRENCY (gunicorn reads it); requests are logged to stdout,
# intake-link tokens redacted.
CMD ["gunicorn", "clinic.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--logger-class", "clinic.access_log.RedactingLogger", "--timeout", "60"]
