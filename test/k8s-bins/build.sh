#!/usr/bin/env bash
# Builds the test peers (kube-apiserver, kube-controller-manager, kube-scheduler, kwok, etcd, kluctl, kustomize, helm, sops, age-keygen, registry) from the Go module proxy
# using the wrapper modules beside this script, into a cache outside the repo keyed by version.
# A binary already in the cache is reused. Progress and timings go to stderr; stdout gets one absolute
# binary path per requested tool, in order (the test harness reads them).
# Usage: build.sh [tool ...]   (default: etcd kube-apiserver kube-controller-manager kube-scheduler kwok kluctl kustomize helm sops age-keygen registry)
#        build.sh --kwok-dir   prints the directory of the kwok module (its Stage manifests and CRDs)
#        build.sh --crd        prints the path of the KluctlDeployment CRD of the kluctl version in use
set -euo pipefail
here=${KLUCTL_TESTBIN_WRAPPERS:-$(cd "$(dirname "$0")" && pwd)}
CACHE=${KLUCTL_TESTBIN_CACHE:-$HOME/.cache/kluctl-vscode/testbin}
KUBE_VERSION=v1.36.2
ETCD_VERSION=v3.6.8
# kluctl v2.26+ keeps its `lib/` as a nested module (`replace .../lib => ./lib`) that the module proxy reachable
# here does not serve (403 for every version of github.com/kluctl/kluctl/lib), so v2.28.2 cannot be built from
# it. v2.22.1 predates that split, builds from the proxy alone, and speaks the same controller protocol.
KLUCTL_VERSION=v2.22.1
# helm v3 for helm items (kluctl v2.22.1 embeds helm v3; v2.28 embeds v4). The engine shells out to `helm template`.
HELM_VERSION=v3.22.0
# kustomize/v5.8.1 is the release built on api v0.21.1, the kustomize api kluctl v2.28 uses.
KUSTOMIZE_VERSION=v5.8.1
# sops (and age-keygen from the same wrapper module) only encrypt the SOPS fixtures the tests generate.
SOPS_VERSION=v3.13.3
# age-keygen's version is the filippo.io/age that the sops wrapper module pins (read only when age-keygen is asked for).
age_version() { sed -n 's/^[[:space:]]*filippo.io\/age \(v[^ ]*\).*/\1/p' "$here/sops/go.mod"; }
# The OCI registry (distribution's cmd/registry) the OCI include and Helm OCI chart tests push to and pull from.
REGISTRY_VERSION=v3.1.2
# kwok simulates nodes and their kubelet (pod status, logs, port-forward) for the test cluster.
KWOK_VERSION=v0.8.0

die() { echo "build.sh: $*" >&2; exit 1; }
need_go() {
  command -v go >/dev/null 2>&1 || die "no Go toolchain on PATH, needed to build $1: install Go >= 1.26 and retry"
}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

# tool -> "<wrapper dir> <version> <package> <ldflags>"
spec() {
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local kube_ld="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  case $1 in
    kube-apiserver) echo "kube|$KUBE_VERSION|k8s.io/kubernetes/cmd/kube-apiserver|$kube_ld" ;;
    kube-controller-manager) echo "kube|$KUBE_VERSION|k8s.io/kubernetes/cmd/kube-controller-manager|$kube_ld" ;;
    kube-scheduler) echo "kube|$KUBE_VERSION|k8s.io/kubernetes/cmd/kube-scheduler|$kube_ld" ;;
    kwok) echo "kwok|$KWOK_VERSION|sigs.k8s.io/kwok/cmd/kwok|-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" ;;
    etcd) echo "etcd|$ETCD_VERSION|go.etcd.io/etcd/server/v3|-s -w" ;;
    kluctl) echo "kluctl|$KLUCTL_VERSION|github.com/kluctl/kluctl/v2/cmd|-s -w -X main.version=${KLUCTL_VERSION#v}" ;;
    kustomize) echo "kustomize|$KUSTOMIZE_VERSION|sigs.k8s.io/kustomize/kustomize/v5|-s -w -X sigs.k8s.io/kustomize/api/provenance.version=kustomize/$KUSTOMIZE_VERSION" ;;
    helm) echo "helm|$HELM_VERSION|helm.sh/helm/v3/cmd/helm|-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" ;;
    sops) echo "sops|$SOPS_VERSION|github.com/getsops/sops/v3/cmd/sops|-s -w" ;;
    age-keygen) echo "sops|$(age_version)|filippo.io/age/cmd/age-keygen|-s -w" ;;
    registry) echo "registry|$REGISTRY_VERSION|github.com/distribution/distribution/v3/cmd/registry|-s -w -X github.com/distribution/distribution/v3/version.version=$REGISTRY_VERSION" ;;
    *) die "unknown tool '$1' (known: kube-apiserver kube-controller-manager kube-scheduler kwok etcd kluctl kustomize helm sops age-keygen registry)" ;;
  esac
}

build_one() {
  local tool=$1 dir version pkg ldflags
  IFS='|' read -r dir version pkg ldflags <<<"$(spec "$tool")"
  local out="$CACHE/$tool-$version/$tool" start=$SECONDS
  if [ -x "$out" ]; then
    echo "testbin: $tool $version reused from the cache ($((SECONDS - start))s): $out" >&2
    echo "$out"
    return
  fi
  need_go "$tool"
  mkdir -p "$(dirname "$out")"
  echo "testbin: building $tool $version (first time only; this can take many minutes) ..." >&2
  local log="$CACHE/$tool-$version.build.log"
  if ! (cd "$here/$dir" && go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg") >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "building $tool $version failed (full log: $log)"
  fi
  mv "$out.tmp" "$out"
  echo "testbin: built $tool $version in $((SECONDS - start))s: $out" >&2
  echo "$out"
}

if [ "${1:-}" = "--crd" ]; then
  # The CRD ships in the kluctl module zip; no build needed. Use the one of the controller version we run.
  need_go "the KluctlDeployment CRD"
  dir=$(cd "$here/kluctl" && go mod download -json "github.com/kluctl/kluctl/v2@$KLUCTL_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  crd="$dir/config/crd/bases/gitops.kluctl.io_kluctldeployments.yaml"
  [ -f "$crd" ] || die "KluctlDeployment CRD not found in the kluctl $KLUCTL_VERSION module ($crd)"
  echo "$crd"
  exit 0
fi

if [ "${1:-}" = "--kwok-dir" ]; then
  # kwok's Stage manifests and CRDs (ClusterPortForward, ClusterLogs) are read from its module zip at run time.
  need_go "the kwok stages"
  dir=$(cd "$here/kwok" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir/kustomize/stage" ] || die "kwok stages not found in the kwok $KWOK_VERSION module ($dir)"
  echo "$dir"
  exit 0
fi

tools=("$@"); [ ${#tools[@]} -gt 0 ] || tools=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kluctl kustomize helm sops age-keygen registry)
for t in "${tools[@]}"; do build_one "$t"; done
