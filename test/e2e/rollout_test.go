package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// TestRolloutWithoutFailedRequests rolls examples/deployment.yaml from
// kubia:v1 to v2 and back while a pod asks its Service ten times a
// second, and counts the requests that fail: none may. The readiness
// probe keeps a new pod out of the Service until it answers,
// maxUnavailable: 0 keeps every old pod until a new one is ready, and an
// old pod leaves the Endpoints as soon as it is deleted.
func TestRolloutWithoutFailedRequests(t *testing.T) {
	c := startCluster(t)
	run := c.stepper(t)
	c.startControllers()
	c.startProxy()

	const clusterIP = "10.198.7.30" // in the proxy test's range (doc.go)
	c.applyExample("../../examples/deployment.yaml", clusterIP)
	c.createPod(newPod("toolbox", toolbox("tool", "while true; do sleep 1; done")))
	c.waitPod("toolbox", 30*time.Second, "to run", func(p *api.Pod) error {
		if p.Status.Phase != api.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	c.eventually(60*time.Second, "3 ready kubia:v1 pods", func() error { return c.readyKubias("kubelab/kubia:v1", 3) })
	c.eventually(10*time.Second, "3 ready endpoints of kubia-web", func() error { return c.readyEndpoints("kubia-web", 3) })
	url := "http://" + clusterIP + "/"

	run("set image: v1 gives way to v2 without a failed request", func(t *testing.T) {
		got := c.rollWithLoad(url, "set", "image", "deployment/kubia", "kubia=kubelab/kubia:v2")
		if got["FAIL"] > 0 || got["v1"] == 0 || got["v2"] == 0 {
			t.Errorf("answers during the rollout: %v, want v1 and v2 and no FAIL", got)
		}
		if after := c.askVersions(url, 30); after["v2"] != 30 {
			t.Errorf("30 requests after the rollout: %v, want v2 only", after)
		}
	})

	run("rollout undo: back to v1 without a failed request", func(t *testing.T) {
		got := c.rollWithLoad(url, "rollout", "undo", "deployment/kubia")
		if got["FAIL"] > 0 || got["v1"] == 0 || got["v2"] == 0 {
			t.Errorf("answers during the undo: %v, want v2 and v1 and no FAIL", got)
		}
		if after := c.askVersions(url, 30); after["v1"] != 30 {
			t.Errorf("30 requests after the undo: %v, want v1 only", after)
		}
	})
}

// applyExample creates the objects of an examples/ manifest, with the
// Deployment's pods bound to the node (no scheduler runs here) and the
// Service at clusterIP.
func (c *cluster) applyExample(path, clusterIP string) {
	t := c.t
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := api.SplitDocuments(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range docs {
		obj, res, _, err := api.Decode(doc)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		obj.GetObjectMeta().Namespace = "default"
		switch o := obj.(type) {
		case *api.Service:
			o.Spec.ClusterIP = clusterIP
		case *api.Deployment:
			o.Spec.Template.Spec.NodeName = c.node
		}
		if _, err := c.client.Resource(res).Namespace("default").Create(context.Background(), obj); err != nil {
			t.Fatalf("create %s %s: %v", res.Kind, obj.GetObjectMeta().Name, err)
		}
	}
}

// readyKubias is a check that exactly n pods labelled app=kubia exist,
// all of image and Ready.
func (c *cluster) readyKubias(image string, n int) error {
	objs, _, err := c.client.Resource(resource("pods")).Namespace("default").List(context.Background(), client.ListOptions{LabelSelector: "app=kubia"})
	if err != nil {
		return err
	}
	var got []string
	ok := 0
	for _, obj := range objs {
		p := obj.(*api.Pod)
		got = append(got, fmt.Sprintf("%s %s Ready=%s", p.Name, p.Spec.Containers[0].Image, condition(p, api.PodReady)))
		if p.Spec.Containers[0].Image == image && condition(p, api.PodReady) == api.ConditionTrue && p.DeletionTimestamp == nil {
			ok++
		}
	}
	if ok != n || len(objs) != n {
		return fmt.Errorf("pods %q, want %d ready of %s", got, n, image)
	}
	return nil
}

// loadScript asks url every 100 ms from a toolbox pod until /stop
// appears (the image has no /tmp), one line per request: the host's
// uptime, OK or FAIL, the answer or wget's exit code and error. busybox
// wget's -T crashes the static toolbox build (askPod), so timeout bounds
// each request (exit 124 when it fires).
const loadScript = `rm -f /stop
while [ ! -e /stop ]; do
  read up _ < /proc/uptime
  if out=$(timeout 2 wget -qO- %s 2>/err); then echo "$up OK $out"; else echo "$up FAIL exit $? $(cat /err)"; fi
  sleep 0.1
done`

// rollWithLoad runs kctl args (a change to deployment/kubia) and waits
// for the rollout, while the toolbox pod asks url; it returns the answers
// counted by version, "FAIL" for the failed ones.
func (c *cluster) rollWithLoad(url string, args ...string) map[string]int {
	c.t.Helper()
	boot := bootTime(c.t)
	done := make(chan string, 1)
	go func() {
		out, errOut, code := c.kctl("exec", "toolbox", "--", "sh", "-c", fmt.Sprintf(loadScript, url))
		done <- fmt.Sprintf("%s%s(exit %d)\n", out, errOut, code)
	}()
	time.Sleep(2 * time.Second) // some answers before the change
	c.mustKctl(args...)
	c.mustKctl("rollout", "status", "deployment/kubia", "--timeout=120s")
	time.Sleep(2 * time.Second) // and some after
	c.mustKctl("exec", "toolbox", "--", "touch", "/stop")
	out := <-done
	got := map[string]int{}
	for l := range strings.Lines(out) {
		switch {
		case strings.Contains(l, " FAIL "):
			got["FAIL"]++
			c.t.Logf("failed at %s: %s", atUptime(boot, l), strings.TrimSpace(l))
		case strings.Contains(l, " OK "):
			got[kubiaVersion(l)]++
		}
	}
	return got
}

// bootTime is when this host booted, for atUptime.
func bootTime(t *testing.T) time.Time {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		t.Fatal(err)
	}
	up, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return time.Now().Add(-time.Duration(up * float64(time.Second)))
}

// atUptime turns the uptime a load line starts with into the time of
// day, to set beside the kubelet's and the controllers' log.
func atUptime(boot time.Time, line string) string {
	up, _ := strconv.ParseFloat(strings.Fields(line)[0], 64)
	return boot.Add(time.Duration(up * float64(time.Second))).UTC().Format("15:04:05.00")
}

// askVersions GETs url n times from the toolbox pod and counts the
// answers by version.
func (c *cluster) askVersions(url string, n int) map[string]int {
	c.t.Helper()
	script := fmt.Sprintf("for i in $(seq %d); do timeout 2 wget -qO- %s || echo failed; done", n, url)
	got := map[string]int{}
	for l := range strings.Lines(c.mustKctl("exec", "toolbox", "--", "sh", "-c", script)) {
		got[kubiaVersion(l)]++
	}
	return got
}

// kubiaVersion tells kubia:v1's answer from v2's.
func kubiaVersion(answer string) string {
	switch {
	case strings.Contains(answer, "You've hit "):
		return "v1"
	case strings.Contains(answer, "This is v2 running in pod "):
		return "v2"
	}
	return "unexpected: " + strings.TrimSpace(answer)
}
