# Front-end assets come from the npm registry at build time; nothing vendored is committed.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=trialsite.settings.production
WORKDIR /app
# gettext compiles the translations (English and Simplified Chinese) at build time.
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /build/node_modules/bootstrap/dist ./node_modules/bootstrap/dist
COPY --from=assets /build/node_modules/chart.js/dist ./node_modules/chart.js/dist
RUN SECRET_KEY=build-only-key ALLOWED_HOSTS=build python manage.py compilemessages --ignore=node_modules \
    && SECRET_KEY=build-only-collectstatic-key ALLOWED_HOSTS=build python manage.py collectstatic --noinput \
    && useradd --system --home /app ecrf && mkdir -p /app/var/exports && chown -R ecrf /app/var
USER ecrf
EXPOSE 8000
CMD ["gunicorn", "trialsite.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
