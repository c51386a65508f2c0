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
    && mkdir -p /data \
    && chown groundswell /data

USER groundswell
WORKDIR /data
# Prometheus metrics (GROUNDSWELL_METRICS_PORT)
EXPOSE 8000
CMD ["groundswell", "worker"]
