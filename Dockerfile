# One image for every role: `druppel run` (default), `druppel worker`, `druppel web`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY courses ./courses
COPY scheduler ./scheduler
COPY storage ./storage
RUN pip install . \
    && useradd --system --create-home --uid 10001 druppel \
    && mkdir -p /app/var \
    && chown druppel /app/var

USER druppel
# `druppel web`'s public port (webhooks). Its probes and metrics listen on 127.0.0.1:8081
# inside the container (METRICS_HOST, METRICS_PORT), so they are not exposed.
EXPOSE 8080
# Health checks differ by role, so each service in compose.yaml declares its own.
ENTRYPOINT ["druppel"]
CMD ["run"]
