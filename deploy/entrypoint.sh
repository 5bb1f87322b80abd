#!/bin/sh
# Role dispatch for the single image (see Dockerfile).
set -eu
role="${1:-webserver}"
# The webserver and daemon load code from the image (workspace.yaml) unless DAGSTER_WORKSPACE
# names another workspace, e.g. deploy/workspace.yaml: the code-server container over gRPC.
workspace="${DAGSTER_WORKSPACE:-/app/workspace.yaml}"
[ $# -gt 0 ] && shift
case "$role" in
  webserver)   exec dagster-webserver -h 0.0.0.0 -p 3000 -w "$workspace" "$@" ;;
  daemon)      exec dagster-daemon run -w "$workspace" "$@" ;;
  code-server) exec dagster code-server start -h 0.0.0.0 -p 4000 -m creditrisk_assets.definitions \
                 --location-name creditrisk_assets "$@" ;;
  api)         exec python -m creditrisk_assets.serving.launch --host 0.0.0.0 --port 8000 "$@" ;;
  job)         job="$1"; snapshot="$2"
               exec dagster job execute -m creditrisk_assets.definitions -j "$job" \
                 --tags "{\"dagster/partition\": \"$snapshot\"}" ;;
  *)           exec "$role" "$@" ;;
esac
