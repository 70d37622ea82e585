# Small runtime image: wheels are built in the first stage, the chart's script is installed
# by npm in the second, and the last has neither compilers nor Node.js.
# psycopg2 is built from source against Debian's libpq (libpq-dev and gcc here, libpq5 at
# run time), so the image's libpq and OpenSSL get Debian's security updates.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

# lightweight-charts at the version package-lock.json pins (static/vendor/, staticfinders.py).
FROM node:22-bookworm-slim AS scripts
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
# Logs: one JSON object a line on stderr, for the container runtime to collect.
# gunicorn's settings are gunicorn.conf.py's, as for `make run`; here it listens on all
# of the container's addresses.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LOG_FORMAT=json HOST=0.0.0.0 PORT=8000
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 qb
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY --chown=qb:qb . .
COPY --from=scripts /app/node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js \
    node_modules/lightweight-charts/dist/
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input
USER qb
EXPOSE 8000
CMD ["sh", "-c", "DATABASE_URL=${DATABASE_DIRECT_URL:-$DATABASE_URL} python manage.py migrate --no-input && exec gunicorn -c gunicorn.conf.py qbsite.wsgi"]
