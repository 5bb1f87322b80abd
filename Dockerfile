# One image for every role: Dagster webserver, daemon, code server, and the scoring API.
# It installs exactly what the Makefile installs (requirements.lock as constraints), minus the
# dev extras, and runs as a non-root user.
#
#   docker build -t creditrisk-assets .
#   docker run creditrisk-assets webserver | daemon | code-server | api | job <JOB> <YYYY-MM-DD>

FROM python:3.11.7-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY creditrisk_assets ./creditrisk_assets
RUN python -m venv /opt/venv \
    && /opt/venv/bin/python -m pip install --upgrade pip==26.3 \
    && /opt/venv/bin/python -m pip install -c requirements.lock .

FROM python:3.11.7-slim-bookworm AS runtime
# The commit shown in validation packs: docker build --build-arg GIT_SHA=$(git rev-parse HEAD)
ARG GIT_SHA=
RUN groupadd --system app && useradd --system --gid app --create-home --home-dir /home/app app \
    && apt-get update && apt-get install -y --no-install-recommends libgomp1 libjemalloc2 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY workspace.yaml ./
COPY deploy ./deploy
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CREDITRISK_HOME=/home/app/state \
    DAGSTER_HOME=/home/app/dagster \
    CREDITRISK_GIT_SHA=$GIT_SHA \
    CREDITRISK_REQUIRE_APPROVAL=true
RUN mkdir -p /home/app/dagster /home/app/state \
    && cp deploy/dagster.yaml /home/app/dagster/dagster.yaml \
    && chown -R app:app /home/app
USER app
EXPOSE 3000 4000 8000
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["webserver"]
