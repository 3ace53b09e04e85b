package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A student's session with the real kubectl, default flags throughout:
// apply, get with the server's tables, describe, scale, label, patch,
// dry runs that change nothing, explain, run, expose, cordon, drain,
// wait, delete. Each step leans on the one before, so they run in order.
func TestKubectlWorkflow(t *testing.T) {
	mustKubectl(t, "create", "namespace", "flow")
	defer kubectl(t, "", "delete", "namespace", "flow", "--wait=false")
	k := func(t *testing.T, args ...string) string {
		t.Helper()
		return mustKubectl(t, append([]string{"-n", "flow"}, args...)...)
	}
	manifest := filepath.Join("testdata", "web.yaml")
	abs, _ := filepath.Abs(manifest)

	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	step("apply creates, then is unchanged", func(t *testing.T) {
		out := k(t, "apply", "-f", abs)
		for _, want := range []string{"deployment.apps/web created", "service/web created"} {
			if !strings.Contains(out, want) {
				t.Errorf("apply:\n%s", out)
			}
		}
		if out := k(t, "apply", "-f", abs); !strings.Contains(out, "deployment.apps/web unchanged") {
			t.Errorf("second apply:\n%s", out)
		}
	})
	step("get prints the server's columns", func(t *testing.T) {
		eventually(t, "2 available pods", func() error {
			out := k(t, "get", "deployment", "web")
			if !strings.Contains(out, "NAME   READY   UP-TO-DATE   AVAILABLE   AGE") || !strings.Contains(out, "web    2/2     2            2") {
				return fmt.Errorf("%s", out)
			}
			return nil
		})
		if out := k(t, "get", "pods", "-o", "wide", "-l", "app=web"); !strings.Contains(out, "NAME") || !strings.Contains(out, "NODE") ||
			!strings.Contains(out, "NOMINATED NODE") || strings.Count(out, "Running") != 2 {
			t.Errorf("get pods -o wide:\n%s", out)
		}
		if out := k(t, "get", "svc", "web"); !strings.Contains(out, "TYPE        CLUSTER-IP") || !strings.Contains(out, "80/TCP") {
			t.Errorf("get svc:\n%s", out)
		}
		if out := mustKubectl(t, "get", "nodes"); !strings.Contains(out, "STATUS") || !strings.Contains(out, "Ready") {
			t.Errorf("get nodes:\n%s", out)
		}
		if out := k(t, "get", "all"); !strings.Contains(out, "deployment.apps/web") || !strings.Contains(out, "service/web") {
			t.Errorf("get all:\n%s", out)
		}
		if out := mustKubectl(t, "get", "pods", "-A", "--chunk-size=1"); strings.Count(out, "web-") != 2 {
			t.Errorf("get pods -A --chunk-size=1:\n%s", out)
		}
		if out := k(t, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"); out != "2" {
			t.Errorf("jsonpath: %q", out)
		}
		if out := k(t, "get", "svc", "web", "-o", "yaml"); !strings.Contains(out, "apiVersion: v1\nkind: Service\n") || !strings.Contains(out, "  clusterIP: 10.") {
			t.Errorf("-o yaml:\n%s", out)
		}
		if out := k(t, "get", "pods", "-l", "app=web", "-o", "json"); !strings.Contains(out, `"kind": "List"`) || strings.Count(out, `"kind": "Pod"`) != 2 {
			t.Errorf("-o json:\n%s", out)
		}
	})
	step("describe", func(t *testing.T) {
		if out := k(t, "describe", "deployment", "web"); !strings.Contains(out, "Replicas:") || !strings.Contains(out, "StrategyType:") {
			t.Errorf("describe deployment:\n%s", out)
		}
		if out := k(t, "describe", "svc", "web"); !strings.Contains(out, "Selector:") || !strings.Contains(out, "TargetPort:") ||
			!regexp.MustCompile(`Endpoints:\s+\d+\.\d+\.\d+\.\d+:8080,\d+\.\d+\.\d+\.\d+:8080\n`).MatchString(out) {
			t.Errorf("describe svc (with both pods' endpoints):\n%s", out)
		}
		if out := k(t, "describe", "rs"); !strings.Contains(out, "Pods Status:") {
			t.Errorf("describe rs:\n%s", out)
		}
		pod := strings.TrimPrefix(k(t, "get", "pods", "-l", "app=web", "-o", "name"), "pod/")
		pod, _, _ = strings.Cut(pod, "\n")
		if out := k(t, "describe", "pod", pod); !strings.Contains(out, "Containers:") || !strings.Contains(out, "Events:") {
			t.Errorf("describe pod:\n%s", out)
		}
		if out := mustKubectl(t, "describe", "nodes"); !strings.Contains(out, "Capacity:") ||
			!regexp.MustCompile(`Lease:\s+HolderIdentity:\s+sim-1\n`).MatchString(out) {
			t.Errorf("describe nodes (with the node's Lease):\n%s", out)
		}
	})
	rv := func(t *testing.T) string {
		return k(t, "get", "deployment", "web", "-o", "jsonpath={.metadata.resourceVersion}")
	}
	step("server-side dry runs change nothing", func(t *testing.T) {
		before := rv(t)
		edited, err := os.ReadFile(abs)
		if err != nil {
			t.Fatal(err)
		}
		changed := filepath.Join(t.TempDir(), "web.yaml")
		if err := os.WriteFile(changed, []byte(strings.Replace(string(edited), "replicas: 2", "replicas: 5", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out := k(t, "apply", "-f", changed, "--dry-run=server"); !strings.Contains(out, "deployment.apps/web configured (server dry run)") {
			t.Errorf("apply --dry-run=server:\n%s", out)
		}
		out, errOut, err := kubectl(t, "", "-n", "flow", "diff", "-f", changed)
		if !strings.Contains(out, "-  replicas: 2") || !strings.Contains(out, "+  replicas: 5") {
			t.Errorf("diff (%v):\n%s%s", err, out, errOut)
		}
		k(t, "run", "probe", "--image=kubelab/kubia:latest", "--dry-run=server")
		if after := rv(t); after != before {
			t.Errorf("resourceVersion %s -> %s after dry runs", before, after)
		}
		if _, _, err := kubectl(t, "", "-n", "flow", "get", "pod", "probe"); err == nil {
			t.Error("run --dry-run=server created the pod")
		}
	})
	step("scale, label, annotate, patch", func(t *testing.T) {
		k(t, "scale", "deployment", "web", "--replicas=3", "--current-replicas=2")
		k(t, "label", "deployment", "web", "tier=front")
		k(t, "annotate", "deployment", "web", "owner=students")
		k(t, "patch", "deployment", "web", "-p", `{"spec":{"revisionHistoryLimit":4}}`)
		k(t, "patch", "deployment", "web", "--type=merge", "-p", `{"metadata":{"labels":{"merged":"yes"}}}`)
		k(t, "patch", "deployment", "web", "--type=json", "-p", `[{"op":"add","path":"/spec/minReadySeconds","value":1}]`)
		out := k(t, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas} {.metadata.labels.tier} {.metadata.annotations.owner} {.spec.revisionHistoryLimit} {.metadata.labels.merged} {.spec.minReadySeconds}")
		if out != "3 front students 4 yes 1" {
			t.Errorf("after scale, label, annotate and patches: %q", out)
		}
		k(t, "wait", "--for=condition=Available", "deployment/web", "--timeout=60s")
	})
	step("apply configures", func(t *testing.T) {
		edited, err := os.ReadFile(abs)
		if err != nil {
			t.Fatal(err)
		}
		changed := filepath.Join(t.TempDir(), "web.yaml")
		if err := os.WriteFile(changed, []byte(strings.Replace(string(edited), "app: web\nspec:\n  replicas: 2", "app: web\n    tier: front\nspec:\n  replicas: 3", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out := k(t, "apply", "-f", changed); !strings.Contains(out, "deployment.apps/web configured") || !strings.Contains(out, "service/web unchanged") {
			t.Errorf("apply of a changed manifest:\n%s", out)
		}
	})
	step("replace and create -f", func(t *testing.T) {
		k(t, "replace", "-f", abs)
		if out, _, err := kubectl(t, "", "-n", "flow", "create", "-f", abs); err == nil {
			t.Errorf("create -f of existing objects succeeded:\n%s", out)
		}
	})
	step("explain", func(t *testing.T) {
		if out := mustKubectl(t, "explain", "pod.spec.containers"); !strings.Contains(out, "KIND:") || !strings.Contains(out, "FIELD: containers") {
			t.Errorf("explain:\n%s", out)
		}
	})
	step("run and expose", func(t *testing.T) {
		k(t, "run", "solo", "--image=kubelab/kubia:latest", "--port=8080")
		k(t, "expose", "pod", "solo", "--port=80", "--target-port=8080")
		if out := k(t, "get", "svc", "solo", "-o", "jsonpath={.spec.ports[0].targetPort}"); out != "8080" {
			t.Errorf("exposed targetPort %q", out)
		}
	})
	step("cordon and drain", func(t *testing.T) {
		node := k(t, "get", "pod", "solo", "-o", "jsonpath={.spec.nodeName}")
		eventually(t, "solo scheduled", func() error {
			if node = k(t, "get", "pod", "solo", "-o", "jsonpath={.spec.nodeName}"); node == "" {
				return fmt.Errorf("not yet")
			}
			return nil
		})
		mustKubectl(t, "cordon", node)
		defer mustKubectl(t, "uncordon", node)
		if out := mustKubectl(t, "get", "node", node); !strings.Contains(out, "SchedulingDisabled") {
			t.Errorf("cordoned node:\n%s", out)
		}
		mustKubectl(t, "drain", node, "--ignore-daemonsets", "--force", "--timeout=60s")
	})
	step("auth can-i", func(t *testing.T) {
		if out := mustKubectl(t, "auth", "can-i", "create", "deployments"); strings.TrimSpace(out) != "yes" {
			t.Errorf("can-i: %q", out)
		}
	})
	step("delete", func(t *testing.T) {
		// Orphaned, the ReplicaSet stays and loses its owner.
		rs := k(t, "get", "rs", "-l", "app=web", "-o", "name")
		k(t, "delete", "deployment", "web", "--cascade=orphan")
		eventually(t, "the orphaned ReplicaSet without its owner", func() error {
			out, errOut, err := kubectl(t, "", "-n", "flow", "get", strings.TrimSpace(rs), "-o", "jsonpath={.metadata.ownerReferences}")
			if err != nil || out != "" {
				return fmt.Errorf("%v: %q %s", err, out, errOut)
			}
			return nil
		})
		if out := k(t, "get", "pods", "-l", "app=web", "-o", "name"); strings.Count(out, "pod/") != 2 { // replace -f made it 2 again
			t.Errorf("the orphaned ReplicaSet's pods:\n%s\n%s", out, k(t, "get", "rs,pods", "-o", "wide", "--show-labels"))
		}
		k(t, "delete", "rs", "-l", "app=web")
		k(t, "delete", "-f", abs, "--ignore-not-found")
		k(t, "delete", "svc", "solo")
		k(t, "delete", "pod", "solo", "--grace-period=1", "--ignore-not-found") // drain --force deleted it
	})
}
