#!/usr/bin/env bash
# Builds helm-wasm/ (Helm v4's template engine, the version kluctl v2.28 embeds) as a WASI reactor module.
# Cached by the hash of helm-wasm/{go.mod,go.sum,*.go} and the Go version under ~/.cache/kluctl-vscode/helm-wasm/;
# prints the path of the cached .wasm. Copy it elsewhere with: build-helm-wasm.sh --copy-to <dir>.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/helm-wasm"
cache="${KLUCTL_VSCODE_CACHE:-$HOME/.cache/kluctl-vscode}/helm-wasm"
key="$( (cat "$src/go.mod" "$src/go.sum" "$src"/*.go; go env GOVERSION) | sha256sum | cut -c1-16)"
out="$cache/helm-$key.wasm"
if [[ ! -s "$out" ]]; then
  mkdir -p "$cache"
  tmp="$(mktemp "$cache/.build-XXXXXX")"
  trap 'rm -f "$tmp"' EXIT
  (cd "$src" && GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    nice -n 5 go build -trimpath -buildmode=c-shared -ldflags="-s -w" -o "$tmp" .) >&2
  mv "$tmp" "$out"
  trap - EXIT
fi
if [[ "${1:-}" == "--copy-to" ]]; then
  mkdir -p "$2"
  cp "$out" "$2/helm.wasm"
  echo "$2/helm.wasm"
else
  echo "$out"
fi
