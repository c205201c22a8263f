// Command helm-wasm renders a Helm chart the way kluctl v2.28 does (helm.sh/helm/v4 v4.2.2, the version kluctl
// embeds), compiled to WebAssembly (GOOS=wasip1, -buildmode=c-shared) and run by the extension through node:wasi.
//
// It is a WASI reactor: the host calls helm_alloc to get a buffer for the JSON request, helm_render to render it,
// then reads helm_result_len bytes at helm_result_ptr (a JSON response). One instance serves many renders; the
// chart directory is the only preopened directory, read-only.
//
// What it reproduces of kluctl's pkg/helm (Release.doRender with action.Install, DryRunClient offline):
//   - values from the target's helm-values.yaml, parsed like `helm --values` (loader.LoadValues);
//   - release name, namespace, Revision 1, IsInstall;
//   - offline: Helm's default capabilities (all API versions known to client-go, Kubernetes v1.36), the kube
//     version overridden by --kubernetes-version; online: the cluster's kube version and exactly the cluster's API
//     versions (group/version and group/version/Kind), as kluctl's buildHelmConfig sets them;
//   - dependency processing, the chart's kubeVersion constraint, values schema validation;
//   - CRDs from crds/ first (includeCRDs unless skipCRDs), then manifests in Helm's install order, then hooks
//     except test hooks.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
)

type request struct {
	ChartDir    string `json:"chartDir"`
	ReleaseName string `json:"releaseName"`
	Namespace   string `json:"namespace"`
	// KubeVersion overrides the kube version (kluctl's --kubernetes-version, or the server's when online).
	KubeVersion string `json:"kubeVersion,omitempty"`
	// APIVersions, when not nil, are the cluster's API versions (online); nil means Helm's defaults (offline).
	APIVersions []string `json:"apiVersions"`
	IncludeCRDs bool     `json:"includeCRDs"`
	// Values is the text of the values file ("" when there is none).
	Values string `json:"values"`
}

type document struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

type response struct {
	Error string `json:"error,omitempty"`
	// Documents in kluctl's order: CRDs, manifests, hooks (no test hooks).
	Documents []document `json:"documents"`
	Warnings  []string   `json:"warnings,omitempty"`
	// The volatile functions the render called (volatile.go): its result must not be cached.
	Volatile []string `json:"volatile,omitempty"`
	// Milliseconds spent loading the chart, building values, rendering templates, sorting.
	Timings map[string]int64 `json:"timings,omitempty"`
}

var timings map[string]int64

func mark(name string, since time.Time) time.Time {
	now := time.Now()
	timings[name] = now.Sub(since).Milliseconds()
	return now
}

var (
	input  []byte
	output []byte
)

//go:wasmexport helm_alloc
func helmAlloc(size uint32) unsafe.Pointer {
	input = make([]byte, size)
	if size == 0 {
		return nil
	}
	return unsafe.Pointer(&input[0])
}

//go:wasmexport helm_render
func helmRender() uint32 {
	var res response
	var req request
	timings = map[string]int64{}
	volatileCalled = map[string]bool{}
	if err := json.Unmarshal(input, &req); err != nil {
		res.Error = "invalid request: " + err.Error()
	} else if docs, warnings, err := render(req); err != nil {
		res.Error = err.Error()
	} else {
		res.Documents = docs
		res.Warnings = warnings
	}
	res.Timings = timings
	res.Volatile = volatileList()
	input = nil
	out, err := json.Marshal(res)
	if err != nil {
		out = []byte(`{"error":"cannot encode the result"}`)
	}
	output = out
	return uint32(len(output))
}

//go:wasmexport helm_result_ptr
func helmResultPtr() unsafe.Pointer {
	if len(output) == 0 {
		return nil
	}
	return unsafe.Pointer(&output[0])
}

//go:wasmexport helm_free
func helmFree() {
	input = nil
	output = nil
}

func capabilities(req request) (*common.Capabilities, error) {
	caps := common.DefaultCapabilities.Copy()
	if req.KubeVersion != "" {
		kv, err := common.ParseKubeVersion(req.KubeVersion)
		if err != nil {
			return nil, err
		}
		caps.KubeVersion = *kv
	}
	if req.APIVersions != nil {
		caps.APIVersions = common.VersionSet(req.APIVersions)
	}
	return caps, nil
}

func render(req request) (docs []document, warnings []string, err error) {
	// A template panic must not take the instance down with it.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("helm panicked: %v", r)
		}
	}()
	if err := chartutil.ValidateReleaseName(req.ReleaseName); err != nil {
		return nil, nil, err
	}
	t := time.Now()
	ch, err := loader.Load(req.ChartDir)
	t = mark("load", t)
	if err != nil {
		return nil, nil, err
	}
	switch ch.Metadata.Type {
	case "", "application":
	default:
		return nil, nil, fmt.Errorf("%s charts are not installable", ch.Metadata.Type)
	}
	if ch.Metadata.Deprecated {
		warnings = append(warnings, fmt.Sprintf("Chart %s is deprecated", ch.Name()))
	}
	vals := map[string]any{}
	if strings.TrimSpace(req.Values) != "" {
		vals, err = loader.LoadValues(bytes.NewReader([]byte(req.Values)))
		if err != nil {
			return nil, nil, fmt.Errorf("failed to parse helm-values.yaml: %w", err)
		}
	}
	if err := chartutil.ProcessDependencies(ch, vals); err != nil {
		return nil, nil, fmt.Errorf("chart dependencies processing failed: %w", err)
	}
	caps, err := capabilities(req)
	if err != nil {
		return nil, nil, err
	}
	options := common.ReleaseOptions{Name: req.ReleaseName, Namespace: req.Namespace, Revision: 1, IsInstall: true}
	values, err := util.ToRenderValuesWithSchemaValidation(ch, vals, options, caps, false)
	if err != nil {
		return nil, nil, err
	}
	if ch.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, caps.KubeVersion.String()) {
		return nil, nil, fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s", ch.Metadata.KubeVersion, caps.KubeVersion.Version)
	}
	t = mark("values", t)
	e := engine.Engine{CustomTemplateFuncs: renderFuncs()}
	files, err := e.Render(ch, values)
	t = mark("render", t)
	if err != nil {
		return nil, nil, err
	}
	for k := range files {
		if strings.HasSuffix(k, "NOTES.txt") {
			delete(files, k)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, nil, err
	}
	mark("sort", t)
	if req.IncludeCRDs {
		for _, crd := range ch.CRDObjects() {
			docs = append(docs, document{Name: crd.Filename, Content: string(crd.File.Data)})
		}
	}
	for _, m := range manifests {
		docs = append(docs, document{Name: m.Name, Content: m.Content})
	}
	for _, h := range hooks {
		if isTestHook(h.Manifest) {
			continue
		}
		docs = append(docs, document{Name: h.Path, Content: h.Manifest})
	}
	return docs, warnings, nil
}

// isTestHook is kluctl's rule: a hook whose helm.sh/hook annotation lists the event "test".
func isTestHook(manifest string) bool {
	var head struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := yamlUnmarshal([]byte(manifest), &head); err != nil {
		return false
	}
	events, ok := head.Metadata.Annotations["helm.sh/hook"]
	if !ok {
		return false
	}
	for _, ev := range strings.Split(events, ",") {
		if strings.TrimSpace(ev) == "test" {
			return true
		}
	}
	return false
}

func main() {}
