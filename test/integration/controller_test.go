package integration

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// A pod bound to a node that never existed, in a namespace being deleted:
// the namespace controller deletes it gracefully, no kubelet will ever
// confirm that, and the pod garbage collector force-deletes it once the
// node has been missing for its quarantine, so the namespace goes. The
// controller's /healthz is ok once it has synced, and /metrics has its
// queues.
func TestPodOfMissingNodeDoesNotHoldItsNamespace(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an apiserver and a controller as processes")
	}
	cl := &cluster{t: t, addr: freeAddr(t), dir: t.TempDir(), kubelets: map[string]*process{}}
	cl.startAPIServer()
	cl.c = adminClient(t, cl.addr)
	health := freeAddr(t)
	cl.controller = start(t, "controller", append(cl.as(componentKubeconfig(t, "controller")), "--listen", health,
		"--log-level", "warn", "--pod-gc-quarantine", "1s")...)
	waitHealthy(t, "http://"+health) // the controller's own port: plain HTTP

	ctx := context.Background()
	cl.create(&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "shop"}})
	cl.create(&api.Pod{
		ObjectMeta: api.ObjectMeta{Name: "stuck", Namespace: "shop"},
		Spec: api.PodSpec{NodeName: "ghost",
			Containers: []api.Container{{Name: "app", Image: "kubelab/kubia:latest"}}},
	})
	if err := cl.res("namespaces").Delete(ctx, "shop", nil); err != nil {
		t.Fatal(err)
	}
	cl.eventually("the pod and its namespace to be gone", func() bool {
		_, err := cl.res("namespaces").Get(ctx, "shop")
		pods, _, _ := cl.res("pods").Namespace("shop").List(ctx, client.ListOptions{})
		return client.IsNotFound(err) && len(pods) == 0
	})

	resp, err := adminHTTP(t).Get("http://" + health + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`workqueue_adds_total{name="podgc"}`, `workqueue_depth{name="garbagecollector"}`,
		`workqueue_work_duration_seconds_count{name="replicaset"}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the controller's /metrics lacks %s", want)
		}
	}
}

// Ctrl-C before the informers have synced (the apiserver is not there)
// is a clean stop: exit status 0. Each has its kubeconfig, as it would
// in a cluster, and an https address where nothing listens.
func TestInterruptBeforeSyncExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the scheduler and the controller as processes")
	}
	nowhere := freeAddr(t) // nothing listens there
	for _, name := range []string{"scheduler", "controller"} {
		t.Run(name, func(t *testing.T) {
			p := start(t, name, append(connectFlags(componentKubeconfig(t, name), nowhere), "--listen", "", "--log-level", "info")...)
			time.Sleep(500 * time.Millisecond) // started, and failing to list
			if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- p.cmd.Wait() }()
			select {
			case err := <-done:
				if code := p.cmd.ProcessState.ExitCode(); err != nil || code != 0 {
					t.Errorf("%s exited with %d (%v), want 0; output:\n%s", name, code, err, p.out.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s did not stop on SIGINT", name)
			}
			if !strings.Contains(p.out.String(), "stopped before the") {
				t.Errorf("%s did not say it stopped before syncing; output:\n%s", name, p.out.String())
			}
		})
	}
}

// Every namespace has a ServiceAccount "default": the system namespaces
// and a new one get it, and a deleted one comes back. A pod that names no
// account runs as it.
func TestEveryNamespaceHasDefaultServiceAccount(t *testing.T) {
	cl := startCluster(t)
	ctx := context.Background()
	hasDefault := func(ns string) func() bool {
		return func() bool {
			_, err := cl.res("serviceaccounts").Namespace(ns).Get(ctx, api.DefaultServiceAccountName)
			return err == nil
		}
	}
	for _, ns := range append(api.SystemNamespaces(), "shop") {
		if ns == "shop" {
			cl.create(&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "shop"}})
		}
		cl.eventually("serviceaccount "+ns+"/default", hasDefault(ns))
	}
	if err := cl.res("serviceaccounts").Namespace("shop").Delete(ctx, api.DefaultServiceAccountName, nil); err != nil {
		t.Fatal(err)
	}
	cl.eventually("serviceaccount shop/default to come back", hasDefault("shop"))

	pod := cl.create(&api.Pod{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "app", Image: "kubelab/kubia:latest"}}}}).(*api.Pod)
	if pod.Spec.ServiceAccountName != api.DefaultServiceAccountName {
		t.Errorf("a pod that names no account has serviceAccountName %q, want %q", pod.Spec.ServiceAccountName, api.DefaultServiceAccountName)
	}
}
