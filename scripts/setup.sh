#!/usr/bin/env bash
# Installs everything the build, the tests and the generators need; safe to run
# again (each step checks first and is skipped when already done).
#
#   npm run setup                 # full: npm deps, Debian tools, Node 24 + n8n (cached outside the repo)
#   RAGOPS_SKIP_N8N=1 npm run setup   # quick path: no Node 24 / n8n (unit tests and `npm run gen` only)
#   RAGOPS_SKIP_APT=1 npm run setup   # do not touch Debian packages
#
# Versions and cache folders are pinned in scripts/n8n-env.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/n8n-env.sh
source "$ROOT/scripts/n8n-env.sh"

log() { printf '[setup] %s\n' "$*"; }

# --- npm dependencies of this repo ------------------------------------------
# Whether node_modules already holds every package of package-lock.json at its
# locked version (npm's own record, node_modules/.package-lock.json). Compared
# by content, not mtime: the build rewrites package.json's n8n block.
lock_satisfied() {
	[[ -f node_modules/.package-lock.json ]] || return 1
	node -e '
		const lock = require("./package-lock.json").packages;
		const have = require("./node_modules/.package-lock.json").packages;
		const missing = Object.entries(lock).filter(([path, p]) => path && !p.optional && have[path]?.version !== p.version);
		if (missing.length) { console.error("[setup] " + missing.length + " locked packages missing or at another version, e.g. " + missing[0][0]); process.exit(1); }
	'
}

# --ignore-scripts: eslint-plugin-n8n-nodes-base ships a broken `npx only-allow
# pnpm` install script. The one addon we need (jsonnet) is rebuilt explicitly.
npm_deps() {
	cd "$ROOT"
	if [[ -f package-lock.json ]]; then
		if lock_satisfied; then
			log "npm dependencies up to date"
		else
			log "npm ci --ignore-scripts"
			npm ci --ignore-scripts --no-audit --no-fund
		fi
	else
		log "no package-lock.json: npm install --ignore-scripts"
		npm install --ignore-scripts --no-audit --no-fund
	fi
	if node -e "require('@hanazuki/node-jsonnet')" 2>/dev/null; then
		log "@hanazuki/node-jsonnet addon loads"
	else
		log "npm rebuild @hanazuki/node-jsonnet (compiles the native addon, ~1-2 min)"
		npm rebuild @hanazuki/node-jsonnet
		node -e "require('@hanazuki/node-jsonnet')"
	fi
	# The example ingestion service keeps its idempotency keys in SQLite (a real
	# unique constraint); better-sqlite3 compiles its addon from source here (~1 min).
	if node -e "new (require('better-sqlite3'))(':memory:').close()" 2>/dev/null; then
		log "better-sqlite3 addon loads"
	else
		log "npm rebuild better-sqlite3 (compiles SQLite, ~1 min)"
		npm rebuild better-sqlite3
		node -e "new (require('better-sqlite3'))(':memory:').close()"
	fi
}

# --- Debian tools used by tests and `npm run gen -- --check` ---------------
apt_tools() {
	if [[ ${RAGOPS_SKIP_APT:-} == 1 ]]; then
		log "RAGOPS_SKIP_APT=1: skipping Debian packages"
		return
	fi
	# postgres + redis-server: n8n queue mode in the e2e tests; chromium: the editor test.
	local missing=()
	local bins=(promtool prometheus amtool prometheus-alertmanager prometheus-pushgateway prometheus-blackbox-exporter jsonnet
		redis-server chromium)
	[[ -n $(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null) ]] || missing+=(postgresql)
	for b in "${bins[@]}"; do command -v "$b" >/dev/null || missing+=("$b"); done
	if ((${#missing[@]} == 0)); then
		log "Debian tools present"
		return
	fi
	log "missing ${missing[*]}: apt-get install"
	local sudo=()
	[[ $(id -u) == 0 ]] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
		prometheus prometheus-alertmanager prometheus-pushgateway prometheus-blackbox-exporter jsonnet \
		postgresql redis-server chromium
}

# --- Node 24 (n8n 2.x runs on it; jest stays on the machine's Node) ----------
node24() {
	if [[ -x $RAGOPS_NODE24_BIN && $("$RAGOPS_NODE24_BIN" --version) == "v$RAGOPS_NODE24_VERSION" ]]; then
		log "Node $RAGOPS_NODE24_VERSION present ($RAGOPS_NODE24_BIN)"
		return
	fi
	log "installing Node $RAGOPS_NODE24_VERSION into $RAGOPS_NODE24_DIR"
	mkdir -p "$RAGOPS_NODE24_DIR"
	npm install --prefix "$RAGOPS_NODE24_DIR" --no-audit --no-fund "$RAGOPS_NODE24_PKG@$RAGOPS_NODE24_VERSION"
	"$RAGOPS_NODE24_BIN" --version
}

n8n_works() {
	[[ -f $RAGOPS_N8N_BIN ]] || return 1
	# the right version, and the SQLite addon (only built by `npm rebuild sqlite3`) loads under Node 24
	(cd "$RAGOPS_N8N_DIR" && "$RAGOPS_NODE24_BIN" -e "
		const v = require('n8n/package.json').version;
		if (v !== process.argv[1]) { console.error('n8n ' + v + ' installed, want ' + process.argv[1]); process.exit(1); }
		require('sqlite3');
	" "$RAGOPS_N8N_VERSION") 2>/dev/null
}

# --- n8n, installed like a user would, outside the repo ---------------------
n8n_install() {
	if n8n_works; then
		log "n8n $RAGOPS_N8N_VERSION present ($RAGOPS_N8N_DIR)"
		return
	fi
	mkdir -p "$RAGOPS_N8N_DIR"
	# One installer at a time per folder (two CI jobs or two shells).
	exec 9>"$RAGOPS_N8N_DIR.lock"
	log "waiting for the install lock $RAGOPS_N8N_DIR.lock"
	flock 9
	if n8n_works; then
		log "n8n $RAGOPS_N8N_VERSION installed meanwhile"
		exec 9>&-
		return
	fi
	log "installing n8n $RAGOPS_N8N_VERSION into $RAGOPS_N8N_DIR (~3-5 min, ~2.8 GB)"
	(
		cd "$RAGOPS_N8N_DIR"
		export PATH="$(dirname "$RAGOPS_NODE24_BIN"):$PATH"
		[[ -f package.json ]] || npm init -y >/dev/null
		# --ignore-scripts: a kafka addon fails to build; sqlite3 is the only addon n8n needs here
		npm install --ignore-scripts --no-audit --no-fund "n8n@$RAGOPS_N8N_VERSION"
		npm rebuild sqlite3
	)
	exec 9>&-
	n8n_works || {
		log "n8n installed but does not load under Node 24"
		exit 1
	}
	log "n8n $RAGOPS_N8N_VERSION ready"
}

npm_deps
apt_tools
if [[ ${RAGOPS_SKIP_N8N:-} == 1 ]]; then
	log "RAGOPS_SKIP_N8N=1: skipping Node 24 and n8n (e2e tests will not run)"
else
	node24
	n8n_install
fi
log "done"
