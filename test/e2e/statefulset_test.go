package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// TestStatefulSet runs a StatefulSet web of three toolbox pods, each with
// a local-path claim of its own, behind the headless Service web, with
// the controller manager, the scheduler, the proxy and the cluster DNS
// add-on of a real node. Under OrderedReady web-1 is created only once
// web-0 is Ready, a pod made again comes back to its claim and its data,
// a scale-down and up keeps the claims and their volumes, and each pod
// is found by its name web-<ordinal>.web through the cluster DNS. At the
// end, also after a failure, the set and its claims are deleted and the
// local-path directories must go with them.
//
// Nothing here leaves the machine: the pods ask only the test's own DNS
// (dns_test.go), and the node's egress rule must count no pod packet.
func TestStatefulSet(t *testing.T) {
	c := startCluster(t)
	run := c.stepper(t)
	c.startControllers()
	c.startScheduler()
	c.startProxy()
	c.applyDNSAddon()
	c.applyStorageClass("../../addons/local-path.yaml")

	c.createService("web", api.ClusterIPNone, map[string]string{"app": "web"}, func(s *api.Service) {
		s.Spec.Ports = []api.ServicePort{{Name: "web", Protocol: "TCP", Port: 8080, TargetPort: api.FromInt(8080)}}
	})
	h := c.watchPods("app=web")
	t.Cleanup(c.removeWeb) // also when a step fails: the claims outlive the set
	c.create("statefulsets", webSet())
	pods := map[string]*api.Pod{}
	for _, name := range webNames {
		pods[name] = c.waitPod(name, 60*time.Second, "to be Ready", ready(true))
	}
	volumes := map[string]string{} // claim → its PersistentVolume
	for _, name := range webNames {
		volumes["data-"+name] = c.waitClaimBound("data-" + name).Spec.VolumeName
	}

	run("web-1 is created only once web-0 is Ready, web-2 once web-1 is", func(t *testing.T) {
		for _, step := range [][2]string{{"web-0 ready", "web-1 created"}, {"web-1 ready", "web-2 created"}} {
			if err := h.order(0, step[0], step[1]); err != nil {
				t.Error(err)
			}
		}
	})

	run("each pod wrote its ordinal, from its hostname, to its own volume", func(t *testing.T) {
		for i, name := range webNames {
			want := fmt.Sprintf("%d\n", i)
			if got := c.mustKctl("exec", name, "--", "cat", "/data/ordinal"); got != want {
				t.Errorf("%s: /data/ordinal = %q, want %q", name, got, want)
			}
			file := filepath.Join(c.localPathDir("data-"+name, volumes["data-"+name]), "ordinal")
			if b, err := os.ReadFile(file); err != nil || string(b) != want {
				t.Errorf("%s on the node: %q, %v; want %q", file, b, err, want)
			}
		}
	})

	run("a deleted web-1 comes back to its claim and reads what the first web-1 wrote", func(t *testing.T) {
		first := pods["web-1"]
		if err := c.client.Resource(resource("pods")).Namespace("default").Delete(context.Background(), "web-1", nil); err != nil {
			t.Fatal(err)
		}
		again := c.waitPod("web-1", 60*time.Second, "to be made again and Ready", func(p *api.Pod) error {
			if p.UID == first.UID {
				return fmt.Errorf("still the first web-1 (%s)", containerStates(p))
			}
			return ready(true)(p)
		})
		want := "web-1 " + first.UID + "\nweb-1 " + again.UID + "\n"
		if got := c.mustKctl("exec", "web-1", "--", "cat", "/data/log"); got != want {
			t.Errorf("the new web-1's /data/log:\n%s\nwant the first web-1's line, then its own:\n%s", got, want)
		}
		c.checkVolumes(volumes)
	})

	run("scaled to 1 and back to 3, the pods get their claims and data again", func(t *testing.T) {
		from := h.mark()
		c.mustKctl("scale", "statefulset", "web", "--replicas=1")
		c.eventually(60*time.Second, "web-1 and web-2 to go", func() error { return c.webPods("web-0") })
		if err := h.order(from, "web-2 deleted", "web-1 deleting"); err != nil {
			t.Error(err)
		}
		c.checkVolumes(volumes) // the claims stay, still bound to their volumes

		c.mustKctl("scale", "statefulset", "web", "--replicas=3")
		for _, name := range webNames {
			pods[name] = c.waitPod(name, 60*time.Second, "to be Ready again", ready(true))
		}
		if err := h.order(from, "web-1 ready", "web-2 created"); err != nil {
			t.Error(err)
		}
		c.checkVolumes(volumes)
		for name, starts := range map[string]int{"web-1": 3, "web-2": 2} {
			got := c.mustKctl("exec", name, "--", "cat", "/data/log")
			if n := strings.Count(got, name+" "); n != starts || strings.Count(got, "\n") != starts {
				t.Errorf("%s's /data/log:\n%s\nwant %d lines of %s, one per start", name, got, starts, name)
			}
		}
	})

	run("web-<ordinal>.web.default.svc.cluster.local resolves to that pod through the cluster DNS", func(t *testing.T) {
		c.eventually(30*time.Second, "2 ready DNS pods behind kube-dns", func() error {
			return c.readyEndpointsIn("kube-system", "kube-dns", 4) // 2 pods × (UDP, TCP)
		})
		for _, name := range webNames {
			fqdn := name + ".web.default.svc.cluster.local"
			c.eventually(10*time.Second, fqdn+" to answer "+pods[name].Status.PodIP, func() error {
				out, errOut, _ := c.kctl("exec", "web-0", "--", "nslookup", fqdn, dnsIP)
				return answers(out+errOut, pods[name].Status.PodIP)
			})
		}
		if n := egressRefused(t); n != 0 {
			t.Errorf("the egress rule refused %d packets from pods: something tried to leave the cluster", n)
		}
	})

	run("deleting the set and its claims removes the pods and the volumes' directories", func(t *testing.T) {
		c.removeWeb()
	})
}

var webNames = []string{"web-0", "web-1", "web-2"}

// webSet is the StatefulSet web: toolbox pods that write their ordinal,
// taken from the hostname the controller gives them, to their claim's
// volume, and log each start with the pod's UID. A pod is Ready once its
// ordinal is on its volume.
func webSet() *api.StatefulSet {
	app := toolbox("web", `h=$(hostname); echo "${h##*-}" > /data/ordinal; echo "$h $POD_UID" >> /data/log; `+sleepForever)
	app.Env = []api.EnvVar{fieldEnv("POD_UID", "metadata.uid")}
	app.VolumeMounts = []api.VolumeMount{{Name: "data", MountPath: "/data"}}
	app.ReadinessProbe = &api.Probe{
		ProbeHandler:  api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"cat", "/data/ordinal"}}},
		PeriodSeconds: 1, TimeoutSeconds: 1, FailureThreshold: 1,
	}
	labels := map[string]string{"app": "web"}
	return &api.StatefulSet{
		ObjectMeta: api.ObjectMeta{Name: "web"},
		Spec: api.StatefulSetSpec{
			Replicas:    api.Int32(3),
			ServiceName: "web",
			Selector:    &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{
				ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec:       api.PodSpec{Containers: []api.Container{app}, TerminationGracePeriodSeconds: api.Int64(5)},
			},
			VolumeClaimTemplates: []api.PersistentVolumeClaim{*claim("data", api.String(api.LocalPathStorageClass), "")},
		},
	}
}

// applyStorageClass creates the StorageClass of an addons/ manifest until
// the test ends.
func (c *cluster) applyStorageClass(path string) {
	c.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatal(err)
	}
	obj, _, _, err := api.Decode(data)
	if err != nil {
		c.t.Fatalf("%s: %v", path, err)
	}
	c.create("storageclasses", obj)
}

// localPathDir is where the node keeps the local-path volume of a claim
// in default (pkg/kubelet/localpath.go).
func (c *cluster) localPathDir(claimName, volume string) string {
	return filepath.Join(c.rootDir, "local-path", volume+"_default_"+claimName)
}

// checkVolumes fails unless each claim is still bound to the volume it
// had.
func (c *cluster) checkVolumes(volumes map[string]string) {
	c.t.Helper()
	for claimName, volume := range volumes {
		if got := c.waitClaimBound(claimName).Spec.VolumeName; got != volume {
			c.t.Errorf("claim %s is bound to %s, was %s", claimName, got, volume)
		}
	}
}

// webPods is a check that the pods of the set are exactly names.
func (c *cluster) webPods(names ...string) error {
	objs, _, err := c.client.Resource(resource("pods")).Namespace("default").List(context.Background(), client.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		return err
	}
	var got []string
	for _, obj := range objs {
		got = append(got, obj.GetObjectMeta().Name)
	}
	slices.Sort(got)
	if !slices.Equal(got, names) {
		return fmt.Errorf("pods %v, want %v", got, names)
	}
	return nil
}

// removeWeb deletes the set, waits for its pods to go, then deletes the
// claims its template made and waits for the provisioner's volumes and
// the kubelet's directories to go. It runs as the last step and again
// when the test ends, where after a failure it cleans up what is left.
func (c *cluster) removeWeb() {
	c.t.Helper()
	c.delete("statefulsets", "default", "web")
	c.eventually(60*time.Second, "the set's pods to go", func() error { return c.webPods() })
	for _, name := range webNames {
		c.delete("persistentvolumeclaims", "default", "data-"+name)
	}
	dir := filepath.Join(c.rootDir, "local-path")
	c.eventually(60*time.Second, "the volumes and their directories to go", func() error {
		objs, _, err := c.client.Resource(resource("persistentvolumes")).List(context.Background(), client.ListOptions{})
		if err != nil {
			return err
		}
		for _, obj := range objs {
			if ref := obj.(*api.PersistentVolume).Spec.ClaimRef; ref != nil && strings.HasPrefix(ref.Name, "data-web-") {
				return fmt.Errorf("volume %s of claim %s is still there", obj.GetObjectMeta().Name, ref.Name)
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if len(entries) > 0 {
			return fmt.Errorf("%s still holds %d entries, the first %s", dir, len(entries), entries[0].Name())
		}
		return nil
	})
	c.checkNoMounts(dir)
}

// history records, from a watch, the moments that order a set's pods:
// "web-1 created", "web-0 ready", "web-2 deleting" (deletionTimestamp
// set), "web-2 deleted", in the order the apiserver made them.
type history struct {
	mu    sync.Mutex
	lines []string
	err   error // why the watch ended early
}

// watchPods records the history of the pods that selector matches until
// the test ends.
func (c *cluster) watchPods(selector string) *history {
	c.t.Helper()
	rc := c.client.Resource(resource("pods")).Namespace("default")
	_, rv, err := rc.List(context.Background(), client.ListOptions{LabelSelector: selector})
	if err != nil {
		c.t.Fatal(err)
	}
	w, err := rc.Watch(context.Background(), client.ListOptions{LabelSelector: selector, ResourceVersion: rv})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(w.Stop)
	h := &history{}
	go func() {
		readyUIDs, deleting := map[string]bool{}, map[string]bool{}
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*api.Pod)
			if !ok {
				continue
			}
			switch {
			case ev.Type == api.Added:
				h.add(p.Name + " created")
			case ev.Type == api.Deleted:
				h.add(p.Name + " deleted")
				continue
			}
			if p.DeletionTimestamp != nil && !deleting[p.UID] {
				deleting[p.UID] = true
				h.add(p.Name + " deleting")
			}
			if condition(p, api.PodReady) == api.ConditionTrue && !readyUIDs[p.UID] {
				readyUIDs[p.UID] = true
				h.add(p.Name + " ready")
			}
		}
		h.mu.Lock()
		h.err = w.Err()
		h.mu.Unlock()
	}()
	return h
}

func (h *history) add(line string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines = append(h.lines, line)
}

// mark is where the next line will go, for order.
func (h *history) mark() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.lines)
}

// order is a check that, from line from on, first happened and then did
// (each at its first occurrence), and not the other way round.
func (h *history) order(from int, first, then string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	lines := h.lines[from:]
	i, j := slices.Index(lines, first), slices.Index(lines, then)
	if i < 0 || j < 0 || j < i {
		return fmt.Errorf("want %q before %q, the pods' history: %q (watch: %v)", first, then, lines, h.err)
	}
	return nil
}
