# Groundswell worker / CLI image (used by docker-compose.yml for the workers, the topics job and the demo
# webhook receiver). Build: docker build -t groundswell .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# .dockerignore keeps .venv, .git and caches out of the build context
COPY . /app
RUN pip install . \
    && useradd --create-home --uid 10001 groundswell \
    && mkdir -p /data/outbox \
    && chown groundswell /data /data/outbox

USER groundswell
WORKDIR /data
# /data/outbox: the alerts' delivered log shared by the workers and `feedback serve` (a named volume mounted
# there starts with this folder's owner). Prometheus metrics (GROUNDSWELL_METRICS_PORT); feedback API
EXPOSE 8000 9094
CMD ["groundswell", "worker"]
