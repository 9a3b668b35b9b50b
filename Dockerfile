# ml-audio-bot: the Discord bot of the "Getting Started in ML-Audio" reading list.
#
#   docker build -t ml-audio-bot .
#   docker run -d --name ml-audio-bot --restart unless-stopped \
#       -e DISCORD_TOKEN=... -v ml-audio-bot-data:/data ml-audio-bot
#
# The SQLite database lives in the /data volume; the catalog is baked in at /app/catalog
# and can be replaced by mounting a catalog folder there (-v ./catalog:/app/catalog:ro).
# Dependencies are installed exactly as `make install` does: `uv sync --frozen` from
# uv.lock (here without the development group). `make image-test` builds and checks it.

# Pinned to a patch release so that a rebuild gets the same Python; bump it deliberately.
ARG PYTHON_IMAGE=python:3.11.15-slim-bookworm

# ---------------------------------------------------------------------------- builder --
FROM ${PYTHON_IMAGE} AS builder

ENV UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# uv from PyPI, the way the Makefile gets it on a fresh machine; in a virtual environment
# of its own, so that pip never writes to the system Python as root. Only uv goes on PATH.
RUN python -m venv /opt/uv \
    && /opt/uv/bin/pip install --no-cache-dir uv==0.13.9 \
    && ln -s /opt/uv/bin/uv /usr/local/bin/uv

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when the lock file (or the project's
# metadata) changes; README.md is read only when the project itself is built, below.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3.11

# Then the project itself, installed into the virtual environment (not editable), so the
# runtime stage needs only .venv and the catalog. Its build backend is pinned in
# pyproject.toml; the wheel leaves out the demo (bot/demo), which needs dev-only SimCord.
COPY README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN uv sync --frozen --no-dev --no-editable --python /usr/local/bin/python3.11

# ---------------------------------------------------------------------------- runtime --
FROM ${PYTHON_IMAGE} AS runtime

# An unprivileged user with a fixed uid (chown a bind-mounted /data to 10001). A regular
# account, not --system: system uids end at 999 and useradd warns about 10001 there.
# --no-log-init keeps it out of the lastlog/faillog databases (sparse files sized by uid).
RUN groupadd --gid 10001 bot \
    && useradd --uid 10001 --gid bot --no-log-init --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin bot \
    && mkdir -p /data \
    && chown bot:bot /data

WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY catalog ./catalog

ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ML_AUDIO_BOT_CATALOG=/app/catalog \
    ML_AUDIO_BOT_DATABASE=/data/ml-audio-bot.sqlite3 \
    ML_AUDIO_BOT_HEALTH_FILE=/tmp/ml-audio-bot.health

VOLUME ["/data"]
USER 10001:10001

# Healthy when the bot's heartbeat (rewritten every 30 s while serving) is fresh, the
# gateway session is up and the database answers; see `ml-audio-bot health --help`.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 \
    CMD ["ml-audio-bot", "health"]

# SIGTERM (docker stop) lets in-flight interactions finish and closes the database.
STOPSIGNAL SIGTERM
CMD ["ml-audio-bot", "run"]
