#!/usr/bin/env bash
# Installs what the real-editor (e2e) tests need, outside the extension's own dependencies:
#   - Debian packages: chromium (via scripts/ensure-chromium.sh), ripgrep, and the headers code-server's native
#     modules build against (libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev pkg-config, g++ make python3);
#   - code-server 4.100.x (the last line whose install accepts Node 20) into .e2e/ (git-ignored, own package.json).
# Idempotent: when .e2e/ already holds that version it exits at once (a few ms).
# Works offline except for the npm and Debian registries: @vscode/ripgrep's install script would download its
# binary from GitHub; it is given a cache made from Debian's ripgrep (the same 13.0.0) instead.
# Needs root (CI runs as root) or passwordless sudo for the Debian packages, and Node 20 with npm.
# Exit 0: ready. Non-zero: the e2e tests skip and say why (see test/e2e/harness.ts).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.e2e"
VERSION="${CODE_SERVER_VERSION:-4.100.3}"
STAMP="$DIR/installed-code-server-$VERSION"
BIN="$DIR/node_modules/code-server/out/node/entry.js"

if [ -f "$STAMP" ] && [ -f "$BIN" ] && [ -x /usr/bin/chromium ] && [ -x /usr/bin/rg ]; then
  exit 0
fi

start=$(date +%s)
log() { echo "setup-e2e: $*" >&2; }

if [ "$(uname -s)" != "Linux" ]; then
  log "only Linux (Debian) is supported by this script"; exit 1
fi

# --- Debian packages -------------------------------------------------------------------------------------------
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="__none__"; fi
fi
PKGS=(ripgrep libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev pkg-config g++ make python3)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$SUDO" = "__none__" ]; then log "missing Debian packages (${missing[*]}) and this user cannot install them"; exit 1; fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Try the existing package lists first; refresh them only when that fails (fresh machine).
  if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    $SUDO apt-get update >/dev/null
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
bash "$ROOT/scripts/ensure-chromium.sh"
command -v rg >/dev/null || { log "ripgrep (rg) is missing after apt-get"; exit 1; }

# --- code-server into .e2e/ ------------------------------------------------------------------------------------
mkdir -p "$DIR"
cat > "$DIR/package.json" <<EOF
{
  "name": "cell-lens-e2e-tools",
  "private": true,
  "description": "code-server for Cell Lens's e2e tests; installed by scripts/setup-e2e.sh, git-ignored",
  "dependencies": { "code-server": "$VERSION" }
}
EOF
rm -f "$DIR"/installed-code-server-*

# @vscode/ripgrep (pinned inside code-server) downloads ripgrep from GitHub in its install script; before that it
# looks for $TMPDIR/vscode-ripgrep-cache-<its version>/ripgrep-<rg release>-<target>.tar.gz. Provide that archive
# (Debian's rg at its root) for the versions code-server 4.100 pins. TMPDIR is private to this install.
TMP="$DIR/tmp"
mkdir -p "$TMP"
rgtar="$TMP/rg.tar.gz"
tar -czf "$rgtar" -C "$(dirname "$(readlink -f "$(command -v rg)")")" rg
case "$(uname -m)" in
  x86_64) targets=(x86_64-unknown-linux-musl) ;;
  aarch64) targets=(aarch64-unknown-linux-gnu aarch64-unknown-linux-musl) ;;
  *) targets=() ;;
esac
for cache in 1.15.11 1.15.10 1.15.9; do
  mkdir -p "$TMP/vscode-ripgrep-cache-$cache"
  for rel in v13.0.0-10 v13.0.0-4; do
    for t in "${targets[@]}"; do cp "$rgtar" "$TMP/vscode-ripgrep-cache-$cache/ripgrep-$rel-$t.tar.gz"; done
  done
done

export TMPDIR="$TMP"
export npm_config_unsafe_perm=true      # code-server's install script refuses root without it
export npm_config_yes=true              # node-pty runs `npx node-gyp`; npx would ask
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# node-gyp: use the local Node headers (no download) when they match the running Node.
node_major=$(node -p 'process.versions.node.split(".")[0]')
for d in "$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")" /usr /usr/local; do
  h="$d/include/node/node_version.h"
  if [ -f "$h" ] && grep -q "define NODE_MAJOR_VERSION $node_major\$" "$h"; then export npm_config_nodedir="$d"; break; fi
done

log "installing code-server@$VERSION into .e2e/ (a few minutes on 2 cores)"
( cd "$DIR" && npm install --no-package-lock --loglevel=error ) > "$DIR/install.log" 2>&1 || {
  log "npm install failed; last lines of .e2e/install.log:"; tail -n 40 "$DIR/install.log" >&2; exit 1; }
[ -f "$BIN" ] || { log "code-server was installed but $BIN is missing"; exit 1; }
# Smoke: the binary starts and reports its version (its config file goes to a throwaway folder, not ~/.config).
XDG_CONFIG_HOME="$TMP/xdg-config" XDG_DATA_HOME="$TMP/xdg-data" "$DIR/node_modules/.bin/code-server" --version > "$DIR/version.txt" 2>&1 || {
  log "code-server --version failed:"; cat "$DIR/version.txt" >&2; exit 1; }
grep -q "^$VERSION " "$DIR/version.txt" || { log "unexpected code-server --version output:"; cat "$DIR/version.txt" >&2; exit 1; }
rm -rf "$TMP"
touch "$STAMP"
log "$(grep "^$VERSION " "$DIR/version.txt") ready in .e2e/ after $(( $(date +%s) - start )) s"
