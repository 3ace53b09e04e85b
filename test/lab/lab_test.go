package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kctl"
)

// The lab's nodes, named and addressed as in hack/lab/common.sh.
const nodes = 3

func nodeName(i int) string { return fmt.Sprintf("node%d", i) }
func nodeIP(i int) string   { return fmt.Sprintf("198.51.100.%d", 10+i) }
func nodeNS(i int) string   { return fmt.Sprintf("/run/netns/klab-node%d", i) }

// The network modes the lab runs in, one after the other: the kubelet's
// --network-mode, hack/lab/up.sh's NETWORK.
var networkModes = []string{"host-gw", "vxlan"}

// TestLab starts a 3-node lab in each network mode, one after the other,
// and runs the cases in order on it: they share the lab (starting one
// takes seconds, a stopped node half a minute), and each leaves it as the
// next expects. Each lab is taken down, and checked to leave nothing,
// before the next starts.
func TestLab(t *testing.T) {
	for _, mode := range networkModes {
		t.Run(mode, func(t *testing.T) { testLab(t, mode) })
	}
}

func testLab(t *testing.T, network string) {
	l := startLab(t, network)
	l.apply(t, "kubia.yaml", kubiaRS+toolboxPod(1)+toolboxPod(2))

	t.Run("ReplicaSetSpreads", l.replicaSetSpreads)
	t.Run("LogsAndExecOnJoinedNodes", l.logsAndExecOnJoinedNodes) // join_test.go
	t.Run("PodToPodAcrossNodes", l.podToPodAcrossNodes)
	t.Run("PodNetworkMode", l.podNetworkMode) // network_test.go
	t.Run("ClusterIPFromAnotherNode", l.clusterIPFromAnotherNode)
	t.Run("NodePortOnEveryNode", l.nodePortOnEveryNode)
	t.Run("LoadBalancerAddressesAnswer", l.loadBalancerAddressesAnswer)
	t.Run("ClusterDNS", l.clusterDNS)
	t.Run("DaemonSetFollowsNodeLabel", l.daemonSetFollowsNodeLabel)
	t.Run("ScaleConvergesExactly", l.scaleConvergesExactly)
	t.Run("ComponentsKilledMidScaleUp", l.componentsKilledMidScaleUp)
	t.Run("NodesJoinedByCSR", l.nodesJoinedByCSR) // after node2's restart
	t.Run("WrongJoinRefused", l.wrongJoinRefused)
	t.Run("StoppedNodePodsRecreated", l.stoppedNodePodsRecreated) // last: node3 stays down
}

// replicaSetSpreads: six replicas land on all three nodes.
func (l *lab) replicaSetSpreads(t *testing.T) {
	pods := l.waitReady(t, "app=kubia", 6, 60*time.Second)
	perNode := map[string]int{}
	for _, p := range pods {
		perNode[p.Spec.NodeName]++
	}
	t.Logf("kubia pods per node: %v", perNode)
	for i := 1; i <= nodes; i++ {
		if perNode[nodeName(i)] == 0 {
			t.Errorf("no kubia pod on %s: %v", nodeName(i), perNode)
		}
	}
}

// podToPodAcrossNodes: a pod on node1 reaches a pod on node3 by its IP,
// through node1's route to node3's pod CIDR (via node3's address in
// host-gw mode, through node1's VXLAN device in vxlan mode).
func (l *lab) podToPodAcrossNodes(t *testing.T) {
	l.waitReady(t, "app=toolbox", 2, 30*time.Second)
	var target *api.Pod
	for _, p := range l.waitReady(t, "app=kubia", 6, 30*time.Second) {
		if p.Spec.NodeName == nodeName(3) {
			target = p
		}
	}
	if target == nil {
		t.Fatal("no kubia pod on node3")
	}
	url := "http://" + target.Status.PodIP + ":8080/"
	l.eventually(t, 20*time.Second, "toolbox-node1 to reach "+url, func() error {
		out, err := l.kctl("exec", "toolbox-node1", "--", "sh", "-c", httpGet(target.Status.PodIP, 8080))
		if err != nil {
			return err
		}
		if !strings.Contains(out, target.Name) {
			return fmt.Errorf("answer %q is not from %s", out, target.Name)
		}
		return nil
	})
}

// clusterIPFromAnotherNode: a pod on node2 reaches the service's cluster
// IP; node2's proxy DNATs it in PREROUTING to any of the six backends,
// wherever they run, and every one of them answers in time.
func (l *lab) clusterIPFromAnotherNode(t *testing.T) {
	svc := l.createService(t, "kubia", api.ServiceTypeClusterIP)
	want := podNames(l.waitReady(t, "app=kubia", 6, 30*time.Second))
	url := "http://" + svc.Spec.ClusterIP + "/"
	get := httpGet(svc.Spec.ClusterIP, 80)
	seen := map[string]int{}
	requests := 0
	l.eventually(t, 30*time.Second, "an answer from every backend of "+url, func() error {
		out, _ := l.kctl("exec", "toolbox-node2", "--", "sh", "-c", repeat(30, get))
		requests += 30
		for _, name := range hitNames(out) {
			seen[name]++
		}
		if missing := missing(want, seen); len(missing) > 0 {
			return fmt.Errorf("after %d requests no answer from %v (answers: %v)", requests, missing, seen)
		}
		return nil
	})
	t.Logf("%d requests to %s, answers per pod: %v", requests, url, seen)
}

// nodePortOnEveryNode: the node port answers on each node's address,
// asked from inside node1 (its own address included).
func (l *lab) nodePortOnEveryNode(t *testing.T) {
	svc := l.createService(t, "kubia-nodeport", api.ServiceTypeNodePort)
	port := svc.Spec.Ports[0].NodePort
	if port == 0 {
		t.Fatalf("service %s has no node port: %+v", svc.Name, svc.Spec.Ports)
	}
	for i := 1; i <= nodes; i++ {
		l.kubiaAnswersNode1(t, fmt.Sprintf("http://%s:%d/", nodeIP(i), port))
	}
}

// kubiaAnswersNode1 waits until a GET of url from inside node1 gets an
// answer from a kubia pod.
func (l *lab) kubiaAnswersNode1(t *testing.T, url string) {
	t.Helper()
	l.eventually(t, 20*time.Second, "node1 to reach "+url, func() error {
		out, err := run("nsenter", "--net="+nodeNS(1), "curl", "-sS", "-m", "2", url)
		if err != nil {
			return err
		}
		if len(hitNames(out)) != 1 {
			return fmt.Errorf("answer %q is not kubia's", out)
		}
		return nil
	})
}

// loadBalancerAddressesAnswer: a LoadBalancer's status lists every
// node's address, and each one answers on the service port, asked from
// inside node1.
func (l *lab) loadBalancerAddressesAnswer(t *testing.T) {
	svc := l.createService(t, "kubia-lb", api.ServiceTypeLoadBalancer)
	var ingress []api.LoadBalancerIngress
	l.eventually(t, 20*time.Second, "the load balancer status to list every node", func() error {
		obj, err := l.client.Resource(resource("services")).Namespace("default").Get(context.Background(), svc.Name)
		if err != nil {
			return err
		}
		if ingress = obj.(*api.Service).Status.LoadBalancer.Ingress; len(ingress) != nodes {
			return fmt.Errorf("ingress %v", ingress)
		}
		return nil
	})
	for _, in := range ingress {
		l.kubiaAnswersNode1(t, fmt.Sprintf("http://%s:80/", in.IP))
	}
}

// clusterDNS: the DNS add-on that make lab applies answers a pod on any
// node: the kubia Service's name resolves to its cluster IP (by the
// search path of the pod's resolv.conf), and a name outside the cluster
// is refused.
func (l *lab) clusterDNS(t *testing.T) {
	obj, err := l.client.Resource(resource("services")).Namespace("default").Get(context.Background(), "kubia")
	if err != nil {
		t.Fatal(err)
	}
	ip := obj.(*api.Service).Spec.ClusterIP
	for _, pod := range []string{"toolbox-node1", "toolbox-node2"} {
		l.eventually(t, 60*time.Second, pod+" to resolve kubia", func() error {
			out, _ := l.kctl("exec", pod, "--", "nslookup", "kubia")
			if !strings.Contains(out, "Address: "+ip+"\n") {
				return fmt.Errorf("nslookup kubia:\n%s", out)
			}
			return nil
		})
	}
	out, err := l.kctl("exec", "toolbox-node1", "--", "nslookup", "example.com.")
	if err != nil {
		out += err.Error() // nslookup exits 1 when it finds nothing
	}
	if !strings.Contains(out, "REFUSED") {
		t.Errorf("nslookup example.com.:\n%s\nwant REFUSED", out)
	}
}

// daemonSetFollowsNodeLabel: a DaemonSet with a nodeSelector runs a pod
// on node2 once node2 has the label, and none once the label is gone.
func (l *lab) daemonSetFollowsNodeLabel(t *testing.T) {
	l.apply(t, "ds.yaml", labDS)
	l.mustKctl(t, "label", "node", nodeName(2), "kubelab-lab-ds=yes")
	pods := l.waitReady(t, "app=lab-ds", 1, 30*time.Second)
	if pods[0].Spec.NodeName != nodeName(2) {
		t.Fatalf("the DaemonSet's pod runs on %s, want node2", pods[0].Spec.NodeName)
	}
	l.mustKctl(t, "label", "node", nodeName(2), "kubelab-lab-ds-")
	l.eventually(t, 30*time.Second, "the DaemonSet's pod to go", func() error {
		pods, err := l.pods("app=lab-ds")
		if err != nil {
			return err
		}
		if len(pods) > 0 {
			return fmt.Errorf("%d pods left: %v", len(pods), podNames(pods))
		}
		return nil
	})
}

// scaleConvergesExactly: 6 → 2 → 6 ends with exactly that many pods,
// terminating ones included, and stays there.
func (l *lab) scaleConvergesExactly(t *testing.T) {
	for _, n := range []int{2, 6} {
		l.mustKctl(t, "scale", "rs", "kubia", fmt.Sprintf("--replicas=%d", n))
		l.waitReady(t, "app=kubia", n, 60*time.Second)
		// Exactly n for a while: nothing more is created or deleted.
		for range 10 {
			time.Sleep(200 * time.Millisecond)
			pods, err := l.pods("app=kubia")
			if err != nil {
				t.Fatal(err)
			}
			if len(pods) != n {
				t.Fatalf("scaled to %d, then %d pods: %v", n, len(pods), podNames(pods))
			}
		}
	}
}

// componentsKilledMidScaleUp: in the middle of a scale-up, each
// control-plane program and then one node's kubelet and proxy are killed
// with SIGKILL and started again; each time the ReplicaSet ends with
// exactly the desired pods, all ready, and stays so.
func (l *lab) componentsKilledMidScaleUp(t *testing.T) {
	steps := []struct{ script, stop, start, what string }{
		{"hack/lab/control.sh", "kill", "start", "scheduler"},
		{"hack/lab/control.sh", "kill", "start", "controller"},
		{"hack/lab/control.sh", "kill", "start", "apiserver"},
		{"hack/lab/node.sh", "stop", "start", nodeName(2)},
	}
	n := 6
	for _, s := range steps {
		n += 2
		l.mustKctl(t, "scale", "rs", "kubia", fmt.Sprintf("--replicas=%d", n))
		time.Sleep(150 * time.Millisecond)
		for _, verb := range []string{s.stop, s.start} {
			if out, err := l.script(s.script, verb, s.what); err != nil {
				t.Fatalf("%s %s %s: %v\n%s", s.script, verb, s.what, err, out)
			}
		}
		l.waitReady(t, "app=kubia", n, 90*time.Second)
		for range 10 {
			time.Sleep(200 * time.Millisecond)
			if pods, err := l.pods("app=kubia"); err == nil && len(pods) != n {
				t.Fatalf("after %s was killed: %d pods, want exactly %d: %v", s.what, len(pods), n, podNames(pods))
			}
		}
		t.Logf("%s killed and restarted mid scale-up: exactly %d ready pods", s.what, n)
	}
	l.mustKctl(t, "scale", "rs", "kubia", "--replicas=6")
	l.waitReady(t, "app=kubia", 6, 60*time.Second)
}

// stoppedNodePodsRecreated: node3's kubelet dies and its link goes down;
// with the lab's timings (NotReady after 10 s, pods deleted 20 s later)
// its kubia pods are recreated on node1 and node2.
func (l *lab) stoppedNodePodsRecreated(t *testing.T) {
	before := l.waitReady(t, "app=kubia", 6, 30*time.Second)
	var gone []string
	for _, p := range before {
		if p.Spec.NodeName == nodeName(3) {
			gone = append(gone, p.Name)
		}
	}
	start := time.Now()
	if out, err := l.script("hack/lab/node.sh", "stop", nodeName(3)); err != nil {
		t.Fatalf("node.sh stop node3: %v\n%s", err, out)
	}
	l.eventually(t, 75*time.Second, "node3's pods recreated elsewhere", func() error {
		pods, err := l.pods("app=kubia")
		if err != nil {
			return err
		}
		var ready []string
		for _, p := range pods {
			if slices.Contains(gone, p.Name) {
				return fmt.Errorf("%s (on node3) still there", p.Name)
			}
			if p.Spec.NodeName == nodeName(3) {
				return fmt.Errorf("new pod %s bound to the stopped node3", p.Name)
			}
			if isReady(p) {
				ready = append(ready, p.Name)
			}
		}
		if len(pods) != 6 || len(ready) != 6 {
			return fmt.Errorf("%d pods, %d ready", len(pods), len(ready))
		}
		return nil
	})
	t.Logf("node3's %d pods replaced %s after the stop", len(gone), time.Since(start).Round(time.Second))
}

// The lab.

// lab is a running hack/lab lab and a client of its apiserver, as the
// lab's admin.
type lab struct {
	root    string // the repository
	network string // the network mode: host-gw or vxlan
	dir     string // KUBELAB_DIR
	files   string // manifests written by the tests
	client  *client.Client
}

// kubeconfig is the admin's kubeconfig, which hack/lab/up.sh has kubeadm
// write: the apiserver's https address on the lab bridge, the lab's CA
// and a client certificate in system:masters.
func (l *lab) kubeconfig() string { return filepath.Join(l.dir, "admin.conf") }

// startLab builds the binaries and starts the lab in the network mode,
// or skips the test. hack/lab/down.sh runs when the test ends, passed or
// failed, and the test fails unless it leaves nothing behind.
func startLab(t *testing.T, network string) *lab {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root, _ := filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	needLab(t, root)

	build := exec.Command("go", "build", "-o", "bin/", "./cmd/...")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	l := &lab{root: root, network: network, dir: t.TempDir(), files: t.TempDir()}
	t.Cleanup(func() { l.down(t) })
	start := time.Now()
	if out, err := l.script("hack/lab/up.sh"); err != nil {
		t.Fatalf("hack/lab/up.sh: %v\n%s", err, out)
	}
	t.Logf("lab up in %s, network mode %s", time.Since(start).Round(100*time.Millisecond), network)
	cc, err := client.Load(l.kubeconfig(), "")
	if err != nil {
		t.Fatal(err)
	}
	cc.Timeout = 10 * time.Second
	c, err := client.New(cc)
	if err != nil {
		t.Fatal(err)
	}
	l.client = c
	return l
}

// needLab skips the test unless the lab can start here and would be the
// only kubelab network on this host.
func needLab(t *testing.T, root string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the lab makes network namespaces, a bridge, routes and iptables rules")
	}
	for _, c := range []string{"docker", "ip", "iptables", "iptables-save", "nsenter", "curl"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("needs %s", c)
		}
	}
	if _, err := run("docker", "info"); err != nil {
		t.Skip("Docker is not reachable")
	}
	if _, err := run("docker", "image", "inspect", "kubelab/pause:latest", "kubelab/kubia:latest", "kubelab/toolbox:latest"); err != nil {
		t.Skip("the kubelab images are missing: run images/build.sh")
	}
	for _, b := range []string{"klab-lab", "klab0"} {
		if _, err := run("ip", "link", "show", b); err == nil {
			t.Skipf("bridge %s exists: a lab or a kubelab node already runs here", b)
		}
	}
	if out, _ := run("ip", "netns", "list"); strings.Contains(out, "klab-node") {
		t.Skip("klab-node namespaces exist: a lab already runs here (or is left over)")
	}
	if _, err := os.Stat(filepath.Join(root, ".kubelab-lab")); err == nil {
		t.Skipf("%s exists: a lab already runs here (or is left over)", filepath.Join(root, ".kubelab-lab"))
	}
	if _, err := os.Stat(filepath.Join(root, ".kubelab", "run", "runtime")); err == nil {
		t.Skip("a 'make up RUNTIME=docker' cluster runs here")
	}
	if out, _ := run("iptables-save"); strings.Contains(out, ":KLAB") {
		t.Skip("the host's iptables has KLAB chains: a kubelab node or an e2e test runs here")
	}
}

// down runs hack/lab/down.sh and checks that nothing of the lab is left,
// by its own check and by ours.
func (l *lab) down(t *testing.T) {
	if t.Failed() {
		l.logTails(t)
	}
	out, err := l.script("hack/lab/down.sh")
	if err != nil || !strings.Contains(out, "lab-down: nothing left") {
		t.Errorf("hack/lab/down.sh: %v\n%s", err, out)
	} else if i := strings.Index(out, "check:"); i >= 0 {
		t.Logf("hack/lab/down.sh %s", out[i:])
	}
	for _, err := range leftovers() {
		t.Errorf("left after down.sh: %v", err)
	}
}

// leftovers looks for anything of the lab in the host's namespace.
func leftovers() []error {
	var errs []error
	labels, _ := run("docker", "ps", "-a", "--filter", "label=io.kubelab.node", "--format", `{{.ID}} {{.Label "io.kubelab.node"}}`)
	for _, line := range strings.Split(strings.TrimSpace(labels), "\n") {
		if f := strings.Fields(line); len(f) == 2 && regexp.MustCompile(`^node[0-9]+$`).MatchString(f[1]) {
			errs = append(errs, fmt.Errorf("container %s of %s", f[0], f[1]))
		}
	}
	if out, _ := run("ip", "netns", "list"); strings.Contains(out, "klab-node") {
		errs = append(errs, fmt.Errorf("namespaces: %s", strings.TrimSpace(out)))
	}
	if out, _ := run("ip", "-o", "link", "show"); regexp.MustCompile(`: (klab-lab|klab-h[0-9]+|klab\.vxlan)[@:]`).MatchString(out) {
		errs = append(errs, errors.New("the klab-lab bridge, a klab-h veth or a klab.vxlan device"))
	}
	if out, _ := run("ip", "route", "show", "table", "all"); regexp.MustCompile(`(?m)^(unreachable )?(10\.244\.|10\.96\.0\.0/12|198\.51\.100\.)`).MatchString(out) {
		errs = append(errs, fmt.Errorf("routes:\n%s", out))
	}
	if out, _ := run("iptables-save"); strings.Contains(out, ":KLAB") || strings.Contains(out, "-j KLAB") {
		errs = append(errs, errors.New("KLAB chains in the host's iptables"))
	}
	return errs
}

// logTails shows the end of every component's log.
func (l *lab) logTails(t *testing.T) {
	logs, _ := filepath.Glob(filepath.Join(l.dir, "logs", "*.log"))
	for _, f := range logs {
		b, _ := os.ReadFile(f)
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		t.Logf("%s (last lines):\n%s", filepath.Base(f), strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
}

// script runs one of hack/lab's scripts on this lab.
func (l *lab) script(path string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(l.root, path), args...)
	cmd.Dir = l.root
	cmd.Env = append(os.Environ(), "KUBELAB_DIR="+l.dir, fmt.Sprintf("NODES=%d", nodes), "NETWORK="+l.network)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// run runs a command and returns its output, with the output in the
// error when it fails.
func run(name string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// kctl runs a kctl command in this process against the lab, as its admin.
func (l *lab) kctl(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	cmd := kctl.NewRootCommand(strings.NewReader(""), &out, &errOut)
	cmd.SetArgs(append([]string{"--kubeconfig", l.kubeconfig()}, args...))
	if code := kctl.Execute(cmd); code != 0 {
		return out.String(), fmt.Errorf("kctl %s: exit %d: %s", strings.Join(args, " "), code, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

func (l *lab) mustKctl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := l.kctl(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// apply writes a manifest and applies it with kctl.
func (l *lab) apply(t *testing.T, name, manifest string) {
	t.Helper()
	f := filepath.Join(l.files, name)
	if err := os.WriteFile(f, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := l.kctl("apply", "-f", f); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// createService makes a service of the kubia pods, port 80 to 8080.
func (l *lab) createService(t *testing.T, name, typ string) *api.Service {
	t.Helper()
	svc := &api.Service{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.ServiceSpec{
			Type:     typ,
			Selector: map[string]string{"app": "kubia"},
			Ports:    []api.ServicePort{{Port: 80, TargetPort: api.FromInt(8080)}},
		},
	}
	obj, err := l.client.Resource(resource("services")).Namespace("default").Create(context.Background(), svc)
	if err != nil {
		t.Fatalf("create service %s: %v", name, err)
	}
	return obj.(*api.Service)
}

// pods lists the pods in default with the label selector.
func (l *lab) pods(selector string) ([]*api.Pod, error) {
	objs, _, err := l.client.Resource(resource("pods")).Namespace("default").List(context.Background(), client.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	pods := make([]*api.Pod, 0, len(objs))
	for _, o := range objs {
		pods = append(pods, o.(*api.Pod))
	}
	return pods, nil
}

// waitReady waits until exactly n pods match the selector, every one
// bound, running and Ready with an IP, and none being deleted.
func (l *lab) waitReady(t *testing.T, selector string, n int, within time.Duration) []*api.Pod {
	t.Helper()
	var pods []*api.Pod
	l.eventually(t, within, fmt.Sprintf("%d ready pods %s", n, selector), func() error {
		var err error
		if pods, err = l.pods(selector); err != nil {
			return err
		}
		var notReady []string
		for _, p := range pods {
			if !isReady(p) {
				notReady = append(notReady, fmt.Sprintf("%s on %q: %s", p.Name, p.Spec.NodeName, p.Status.Phase))
			}
		}
		if len(pods) != n || len(notReady) > 0 {
			return fmt.Errorf("%d pods, not ready: %v", len(pods), notReady)
		}
		return nil
	})
	return pods
}

func isReady(p *api.Pod) bool {
	if p.DeletionTimestamp != nil || p.Spec.NodeName == "" || p.Status.PodIP == "" || p.Status.Phase != api.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

// eventually polls cond until it returns nil, failing the test after within.
func (l *lab) eventually(t *testing.T, within time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %v", within, what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func resource(name string) api.Resource {
	r, ok := api.Lookup(name)
	if !ok {
		panic("no resource " + name)
	}
	return r
}

func podNames(pods []*api.Pod) []string {
	var names []string
	for _, p := range pods {
		names = append(names, p.Name)
	}
	return names
}

// hitNames picks the pod names out of kubia's answers,
// "You've hit NAME (IP), request #N".
func hitNames(out string) []string {
	var names []string
	for _, m := range regexp.MustCompile(`You've hit (\S+) `).FindAllStringSubmatch(out, -1) {
		names = append(names, m[1])
	}
	return names
}

func missing(want []string, seen map[string]int) []string {
	var out []string
	for _, w := range want {
		if seen[w] == 0 {
			out = append(out, w)
		}
	}
	return out
}

// httpGet is a shell command GETting / from ip:port. With nc, not the
// toolbox's wget: the wget of Debian 12's busybox-static segfaults.
func httpGet(ip string, port int) string {
	return fmt.Sprintf(`printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 %s %d`, ip, port)
}

// repeat is a shell loop running cmd n times.
func repeat(n int, cmd string) string {
	return fmt.Sprintf("i=0; while [ $i -lt %d ]; do %s; echo; i=$((i+1)); done", n, cmd)
}

// Manifests.

// kubiaRS is six kubia pods, told their name and IP by the downward API,
// Ready once they answer.
const kubiaRS = `
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: kubia
spec:
  replicas: 6
  selector:
    matchLabels:
      app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: kubia
        image: kubelab/kubia:latest
        imagePullPolicy: Never
        ports:
        - name: http
          containerPort: 8080
        env:
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: POD_IP
          valueFrom:
            fieldRef:
              fieldPath: status.podIP
        readinessProbe:
          httpGet:
            path: /ready
            port: 8080
          periodSeconds: 1
`

// toolboxPod is a pod with wget pinned to node i.
func toolboxPod(i int) string {
	return fmt.Sprintf(`
---
apiVersion: v1
kind: Pod
metadata:
  name: toolbox-%[1]s
  labels:
    app: toolbox
spec:
  nodeSelector:
    kubernetes.io/hostname: %[1]s
  terminationGracePeriodSeconds: 1
  containers:
  - name: toolbox
    image: kubelab/toolbox:latest
    imagePullPolicy: Never
    command: ["sleep", "1000000"]
`, nodeName(i))
}

// labDS runs a pod on every node labelled kubelab-lab-ds=yes.
const labDS = `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: lab-ds
spec:
  selector:
    matchLabels:
      app: lab-ds
  template:
    metadata:
      labels:
        app: lab-ds
    spec:
      nodeSelector:
        kubelab-lab-ds: "yes"
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: kubelab/kubia:latest
        imagePullPolicy: Never
`
