# syntax=docker/dockerfile:1
#
# Shakti MIS API image.
#   docker build -t shakti-mis .
#   docker run --rm -p 127.0.0.1:8000:8000 \
#     -e SHAKTI_DATABASE_URL -e SHAKTI_JWT_SIGNING_KEYS -e SHAKTI_JWT_ACTIVE_KID \
#     -e SHAKTI_DATA_KEYS -e SHAKTI_DATA_ACTIVE_KID -e SHAKTI_BLIND_INDEX_KEY \
#     -e SHAKTI_AUDIT_KEYS -e SHAKTI_AUDIT_ACTIVE_KID \
#     shakti-mis
# Each -e NAME passes that variable on from your environment (no value on the command line):
# the API's login role's URL (not the schema owner's) and the keys production refuses to
# start without; the top of docker-compose.yml shows how to make each. The same image runs
# the one-shot `shakti-mis migrate` (see docker-compose.yml). It holds no PostgreSQL: the
# embedded one is the `embedded` extra of development (requirements.lock does not have it).
#
# The base image is pinned by digest (the multi-architecture index of python:3.11-slim, Debian
# trixie, Python 3.11.16, pushed 2026-08-16), the Python the lock files are made and tested
# with. The digest was taken from public records of that tag (several independent projects pin
# the same one; it was not pulled from here). To move on: `docker pull python:3.11-slim`, then
# `docker inspect --format '{{index .RepoDigests 0}}' python:3.11-slim`, and replace both lines.
ARG PYTHON_IMAGE=python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

# ---- builder: a virtualenv with the locked runtime dependencies, then the project -----------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# Dependencies first (their layer is reused while requirements.lock is unchanged).
# Runtime lock only: requirements-dev.lock (pytest, ruff, mypy...) never enters the image.
# Every file is checked against the lock's hashes.
COPY requirements.lock ./
RUN pip install --no-deps --require-hashes -r requirements.lock

# The project: only its packages and metadata, never the whole context.
COPY pyproject.toml ./
COPY api ./api
COPY domain ./domain
COPY persistence ./persistence
COPY migrations ./migrations
# The synthetic demo data behind `shakti-mis seed-demo`.
COPY seeds ./seeds
RUN pip install --no-deps . \
    && pip check

# ---- runtime: the virtualenv on a clean slim base, no compilers, not root -------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    SHAKTI_ENV=production

RUN groupadd --system --gid 10001 shakti \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin shakti

# Owned by root and read-only for the service user.
COPY --from=builder /opt/venv /opt/venv

# Attachments' encrypted files (SHAKTI_ATTACHMENTS_DIR in docker-compose.yml, a named volume),
# writable by the service user only.
RUN install -d -o 10001 -g 10001 -m 700 /var/lib/shakti /var/lib/shakti/attachments

WORKDIR /app
USER 10001:10001

EXPOSE 8000

# python:slim has no curl: probe with the standard library (non-2xx or no answer -> exit 1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4)"]

CMD ["shakti-mis", "serve", "--host", "0.0.0.0", "--port", "8000"]
