# One image for every role: `druppel run` (default), `druppel worker`, `druppel web`.
# The base image is pinned by digest (python:3.11-slim, the multi-platform index), so every
# build starts from the same bytes. Security fixes reach it as new builds of the tag: to move
# to the newest, run `docker buildx imagetools inspect python:3.11-slim`, put the index digest
# it prints (Digest: sha256:...) here, rebuild and run the tests.
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The dependencies first, exactly as locked and checked against their hashes (`make lock`
# makes requirements.lock); then druppel itself, which adds none, built with the locked
# setuptools (no unchecked build dependencies).
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY courses ./courses
COPY scheduler ./scheduler
COPY storage ./storage
RUN pip install --no-deps --no-build-isolation . \
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
