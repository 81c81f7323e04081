# AutoLoan CRM — one image for web (gunicorn), Celery worker, Celery beat and the one-shot migrate job.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/private-media \
    PORT=8000

WORKDIR /app

# psycopg2-binary, celery and friends ship wheels: no compiler needed.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected (and fingerprinted by whitenoise) at build time; the compiled
# translations (locale/*/LC_MESSAGES/django.mo) are committed, so no gettext is needed here.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-real-key ALLOWED_HOSTS=localhost \
      DATABASE_URL=sqlite:////tmp/build.sqlite3 VAR_DIR=/tmp/build-var \
      python manage.py collectstatic --noinput \
 && rm -rf /tmp/build-var /tmp/build.sqlite3 \
 && useradd --system --uid 10001 --gid 0 --home-dir /app --shell /usr/sbin/nologin crm \
 && mkdir -p /app/var/private-media \
 && chown -R crm:0 /app/var \
 && chmod -R g=u /app/var

USER crm
EXPOSE 8000

# web; docker-compose.yml runs the worker, beat and migrate from the same image with other commands
CMD ["sh", "-c", "exec gunicorn autoloan_crm.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --timeout 60 --access-logfile - --error-logfile -"]
