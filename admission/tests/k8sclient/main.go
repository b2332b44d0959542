// Command k8sclient drives sealcheck serve as the Kubernetes API server drives an admission
// webhook: AdmissionReview requests built with the real k8s.io/api admission/v1 types (and the
// core/v1, apps/v1, batch/v1 workload types), POSTed over TLS verified against a CA bundle, with
// the webhook's timeoutSeconds as the client timeout and as the `?timeout=` query parameter the
// API server adds (k8s.io/apiserver webhook client, rest.Request.Timeout). Responses are decoded
// into the same types (so a patch that is not base64, or a response that is not an
// AdmissionReview, fails here) and printed as JSON for the Rust test (admission/tests/webhook.rs).
//
// stdin: {"base": "https://127.0.0.1:PORT", "caFile": "...", "timeoutSeconds": 10, "requests": [...]}
// each request is either a review {"review": {...}} or a plain call {"raw": {"method", "path", "body"}}.
// stdout: one JSON array, a result per request, in order.
//
// `k8sclient manifests FILE...` decodes Kubernetes manifests strictly with the same types.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

type review struct {
	Webhook     string `json:"webhook"` // "validate" or "mutate"
	UID         string `json:"uid"`
	Kind        string `json:"kind"` // Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob
	Namespace   string `json:"namespace"`
	Operation   string `json:"operation"`
	SubResource string `json:"subResource"`
	DryRun      bool   `json:"dryRun"`
	// Images by container list: containers, initContainers, ephemeralContainers.
	Containers          []string `json:"containers"`
	InitContainers      []string `json:"initContainers"`
	EphemeralContainers []string `json:"ephemeralContainers"`
	// Or an object as kubectl prints it (kubectl create ... --dry-run=client -o json).
	Object json.RawMessage `json:"object"`
}

type raw struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body"`
	// Text, when set, is sent as the body instead of Body, byte for byte (a body that is no JSON).
	Text *string `json:"text"`
	// ExpectContinue sends "Expect: 100-continue" and holds the body until the server asks for it
	// (RFC 9110 §10.1.1), so a body refused by its Content-Length alone is never written.
	ExpectContinue bool `json:"expectContinue"`
}

type request struct {
	Review *review `json:"review"`
	Raw    *raw    `json:"raw"`
}

type input struct {
	Base           string    `json:"base"`
	CAFile         string    `json:"caFile"`
	TimeoutSeconds int32     `json:"timeoutSeconds"`
	Requests       []request `json:"requests"`
}

type result struct {
	Status   int                            `json:"status"`
	Error    string                         `json:"error,omitempty"`
	Body     string                         `json:"body,omitempty"`
	Response *admissionv1.AdmissionResponse `json:"response,omitempty"`
	// The decoded JSON Patch, when there is one.
	Patch json.RawMessage `json:"patch,omitempty"`
}

func podSpec(r *review) corev1.PodSpec {
	var spec corev1.PodSpec
	for i, img := range r.InitContainers {
		spec.InitContainers = append(spec.InitContainers, corev1.Container{Name: fmt.Sprintf("init-%d", i), Image: img})
	}
	for i, img := range r.Containers {
		spec.Containers = append(spec.Containers, corev1.Container{Name: fmt.Sprintf("main-%d", i), Image: img})
	}
	for i, img := range r.EphemeralContainers {
		spec.EphemeralContainers = append(spec.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: fmt.Sprintf("debug-%d", i), Image: img}})
	}
	return spec
}

// object returns the object, its kind and its resource.
func object(r *review) ([]byte, metav1.GroupVersionKind, metav1.GroupVersionResource, error) {
	meta := metav1.ObjectMeta{Name: "w", Namespace: r.Namespace}
	template := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "w"}}, Spec: podSpec(r)}
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "w"}}
	var obj any
	var gvk metav1.GroupVersionKind
	var resource string
	if len(r.Object) > 0 {
		var tm metav1.TypeMeta
		if err := json.Unmarshal(r.Object, &tm); err != nil {
			return nil, gvk, metav1.GroupVersionResource{}, err
		}
		gv, err := schema.ParseGroupVersion(tm.APIVersion)
		if err != nil {
			return nil, gvk, metav1.GroupVersionResource{}, err
		}
		gvk = metav1.GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: tm.Kind}
		resources := map[string]string{"Pod": "pods", "Deployment": "deployments", "ReplicaSet": "replicasets", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets", "Job": "jobs", "CronJob": "cronjobs"}
		return r.Object, gvk, metav1.GroupVersionResource{Group: gv.Group, Version: gv.Version, Resource: resources[tm.Kind]}, nil
	}
	switch r.Kind {
	case "Pod":
		obj = &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: meta, Spec: podSpec(r)}
		gvk, resource = metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}, "pods"
	case "Deployment":
		obj = &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Selector: selector, Template: template}}
		gvk, resource = metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, "deployments"
	case "ReplicaSet":
		obj = &appsv1.ReplicaSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"}, ObjectMeta: meta, Spec: appsv1.ReplicaSetSpec{Selector: selector, Template: template}}
		gvk, resource = metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}, "replicasets"
	case "StatefulSet":
		obj = &appsv1.StatefulSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"}, ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Selector: selector, Template: template}}
		gvk, resource = metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}, "statefulsets"
	case "DaemonSet":
		obj = &appsv1.DaemonSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"}, ObjectMeta: meta, Spec: appsv1.DaemonSetSpec{Selector: selector, Template: template}}
		gvk, resource = metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DaemonSet"}, "daemonsets"
	case "Job":
		obj = &batchv1.Job{TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"}, ObjectMeta: meta, Spec: batchv1.JobSpec{Template: template}}
		gvk, resource = metav1.GroupVersionKind{Group: "batch", Version: "v1", Kind: "Job"}, "jobs"
	case "CronJob":
		obj = &batchv1.CronJob{TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"}, ObjectMeta: meta, Spec: batchv1.CronJobSpec{Schedule: "@hourly", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template}}}}
		gvk, resource = metav1.GroupVersionKind{Group: "batch", Version: "v1", Kind: "CronJob"}, "cronjobs"
	default:
		// Any other kind: a ConfigMap, which runs nothing.
		obj = &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: meta}
		gvk, resource = metav1.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, "configmaps"
	}
	b, err := json.Marshal(obj)
	return b, gvk, metav1.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: resource}, err
}

func sendReview(client *http.Client, in *input, r *review) result {
	obj, gvk, gvr, err := object(r)
	if err != nil {
		return result{Error: err.Error()}
	}
	op := admissionv1.Operation(r.Operation)
	if op == "" {
		op = admissionv1.Create
	}
	options, _ := json.Marshal(metav1.CreateOptions{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "CreateOptions"}})
	dry := r.DryRun
	ar := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID: types.UID(r.UID), Kind: gvk, Resource: gvr, SubResource: r.SubResource,
			RequestKind: &gvk, RequestResource: &gvr, RequestSubResource: r.SubResource,
			Name: "w", Namespace: r.Namespace, Operation: op,
			UserInfo: authenticationv1.UserInfo{Username: "kubernetes-admin", Groups: []string{"kubeadm:cluster-admins", "system:authenticated"}},
			Object:   runtime.RawExtension{Raw: obj}, DryRun: &dry, Options: runtime.RawExtension{Raw: options},
		},
	}
	body, err := json.Marshal(ar)
	if err != nil {
		return result{Error: err.Error()}
	}
	url := fmt.Sprintf("%s/%s?timeout=%s", in.Base, r.Webhook, (time.Duration(in.TimeoutSeconds) * time.Second).String())
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return result{Error: err.Error()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{Status: resp.StatusCode, Error: err.Error()}
	}
	if resp.StatusCode != http.StatusOK {
		return result{Status: resp.StatusCode, Body: string(b)}
	}
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(b, &out); err != nil {
		return result{Status: resp.StatusCode, Error: "response: " + err.Error(), Body: string(b)}
	}
	if out.APIVersion != "admission.k8s.io/v1" || out.Kind != "AdmissionReview" || out.Response == nil {
		return result{Status: resp.StatusCode, Error: "response: not an admission.k8s.io/v1 AdmissionReview with a response", Body: string(b)}
	}
	if out.Response.UID != ar.Request.UID {
		return result{Status: resp.StatusCode, Error: fmt.Sprintf("response uid %q, request uid %q", out.Response.UID, ar.Request.UID), Body: string(b)}
	}
	res := result{Status: resp.StatusCode, Response: out.Response}
	if len(out.Response.Patch) > 0 {
		if out.Response.PatchType == nil || *out.Response.PatchType != admissionv1.PatchTypeJSONPatch {
			return result{Status: resp.StatusCode, Error: "a patch without patchType JSONPatch", Body: string(b)}
		}
		res.Patch = out.Response.Patch
	}
	return res
}

func sendRaw(client *http.Client, in *input, r *raw) result {
	body := []byte(r.Body)
	if r.Text != nil {
		body = []byte(*r.Text)
	}
	req, err := http.NewRequest(r.Method, in.Base+r.Path, bytes.NewReader(body))
	if err != nil {
		return result{Error: err.Error()}
	}
	if r.ExpectContinue {
		req.Header.Set("Expect", "100-continue")
	}
	resp, err := client.Do(req)
	if err != nil {
		return result{Error: err.Error()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{Status: resp.StatusCode, Error: err.Error()}
	}
	return result{Status: resp.StatusCode, Body: string(b)}
}

// manifests decodes each YAML document of each file strictly (no unknown field) into its
// k8s.io/api type and prints them as one JSON array: what kubectl would send, without a cluster.
func manifests(files []string) {
	types := map[string]func() any{
		"v1/Namespace": func() any { return &corev1.Namespace{} }, "v1/ConfigMap": func() any { return &corev1.ConfigMap{} },
		"v1/Service": func() any { return &corev1.Service{} }, "apps/v1/Deployment": func() any { return &appsv1.Deployment{} },
		"admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration": func() any { return &admissionregistrationv1.ValidatingWebhookConfiguration{} },
		"admissionregistration.k8s.io/v1/MutatingWebhookConfiguration":   func() any { return &admissionregistrationv1.MutatingWebhookConfiguration{} },
	}
	var out []any
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "k8sclient:", err)
			os.Exit(1)
		}
		for i, doc := range strings.Split(string(b), "\n---\n") {
			j, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				fmt.Fprintf(os.Stderr, "k8sclient: %s document %d: %v\n", f, i, err)
				os.Exit(1)
			}
			var tm metav1.TypeMeta
			if err := json.Unmarshal(j, &tm); err != nil || tm.Kind == "" {
				fmt.Fprintf(os.Stderr, "k8sclient: %s document %d: no kind\n", f, i)
				os.Exit(1)
			}
			mk, ok := types[tm.APIVersion+"/"+tm.Kind]
			if !ok {
				fmt.Fprintf(os.Stderr, "k8sclient: %s document %d: unexpected %s %s\n", f, i, tm.APIVersion, tm.Kind)
				os.Exit(1)
			}
			obj := mk()
			dec := json.NewDecoder(bytes.NewReader(j))
			dec.DisallowUnknownFields()
			if err := dec.Decode(obj); err != nil {
				fmt.Fprintf(os.Stderr, "k8sclient: %s document %d (%s): %v\n", f, i, tm.Kind, err)
				os.Exit(1)
			}
			out = append(out, obj)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "k8sclient:", err)
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "manifests" {
		manifests(os.Args[2:])
		return
	}
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "k8sclient: stdin:", err)
		os.Exit(2)
	}
	pem, err := os.ReadFile(in.CAFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8sclient:", err)
		os.Exit(2)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		fmt.Fprintln(os.Stderr, "k8sclient: no CA certificate in", in.CAFile)
		os.Exit(2)
	}
	client := &http.Client{
		Timeout:   time.Duration(in.TimeoutSeconds) * time.Second,
		// ExpectContinueTimeout applies only to requests with "Expect: 100-continue" (raw.ExpectContinue).
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}, ExpectContinueTimeout: 5 * time.Second},
	}
	results := make([]result, 0, len(in.Requests))
	for _, r := range in.Requests {
		switch {
		case r.Review != nil:
			results = append(results, sendReview(client, &in, r.Review))
		case r.Raw != nil:
			results = append(results, sendRaw(client, &in, r.Raw))
		default:
			results = append(results, result{Error: "neither review nor raw"})
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "k8sclient:", err)
		os.Exit(2)
	}
}
