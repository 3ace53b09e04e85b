package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"kubelab/pkg/api"
	"kubelab/pkg/controller/manager"
	"kubelab/pkg/pki"
	"kubelab/pkg/proxy"
)

// The proxy test's addresses; see doc.go.
const (
	serviceNet = "10.198.7.0/24" // the test's cluster IPs, routed to the e2e bridge
	nodeAddr   = "203.0.113.10"  // TEST-NET-3: the node address NodePorts answer on, on the bridge
)

// TestProxy sends traffic through Services to real pods: the endpoints
// controller and the proxy run in this process beside the node, the
// proxy's rules in the host's namespace, as on a real node. The same
// traffic goes through each of the proxy's modes in turn, iptables then
// nftables, on the same pods and services; between them the proxy stops
// and its cleanup leaves nothing of the mode that ran.
func TestProxy(t *testing.T) {
	c := startCluster(t)
	run := c.stepper(t)
	c.startControllers()
	c.prepareProxy()

	// Three backends; kubia-a has a shell beside it, for the traffic
	// from a pod.
	for _, name := range []string{"kubia-a", "kubia-b", "kubia-c"} {
		p := newPod(name, kubia())
		p.Labels = map[string]string{"app": "kubia"}
		if name == "kubia-a" {
			p.Labels["hairpin"] = "yes"
			p.Spec.Containers = append(p.Spec.Containers, toolbox("tool", "while true; do sleep 1; done"))
		}
		c.createPod(p)
	}
	kubiaSel := map[string]string{"app": "kubia"}
	svcs := proxyServices{
		web: c.createService("kubia", "10.198.7.10", kubiaSel, nil),
		np:  c.createService("kubia-np", "10.198.7.11", kubiaSel, func(s *api.Service) { s.Spec.Type = api.ServiceTypeNodePort }),
	}
	c.createService("sticky", "10.198.7.12", kubiaSel, func(s *api.Service) { s.Spec.SessionAffinity = "ClientIP" })
	c.createService("empty", "10.198.7.13", map[string]string{"app": "nobody"}, nil)
	c.createService("self", "10.198.7.14", map[string]string{"hairpin": "yes"}, nil)
	svcs.lb = c.createService("kubia-lb", "10.198.7.15", kubiaSel, func(s *api.Service) { s.Spec.Type = api.ServiceTypeLoadBalancer })
	for _, name := range []string{"kubia-a", "kubia-b", "kubia-c"} {
		c.waitPod(name, 30*time.Second, "to be Ready", ready(true))
	}
	c.eventually(10*time.Second, "3 ready endpoints of kubia", func() error { return c.readyEndpoints("kubia", 3) })
	routeServices(t)

	for _, mode := range []string{proxy.ModeIPTables, proxy.ModeNFTables} {
		run(mode, func(t *testing.T) {
			if _, err := exec.LookPath("nft"); err != nil && mode == proxy.ModeNFTables {
				t.Skip("skipping: the nftables mode needs the nft command (Debian package nftables)")
			}
			c.proxyTraffic(t, mode, svcs)
		})
	}
}

// proxyServices are the services whose addresses TestProxy's steps use.
type proxyServices struct{ web, np, lb *api.Service }

// proxyTraffic starts the proxy in mode and sends traffic through it,
// each check a step of t; at the end the proxy stops and cleans up.
func (c *cluster) proxyTraffic(t *testing.T, mode string, svcs proxyServices) {
	run := c.stepper(t)
	stopProxy := c.runProxy(mode)
	web, np, lb := svcs.web, svcs.np, svcs.lb
	all := []string{"kubia-a", "kubia-b", "kubia-c"}

	run("ClusterIP from the node reaches every backend", func(t *testing.T) {
		url := "http://" + web.Spec.ClusterIP + "/"
		c.eventually(10*time.Second, "the proxy to program 3 endpoints", func() error {
			return reachesAll(askNode(t, url, 30), all)
		})
		got := askNode(t, url, 100)
		t.Logf("%v", got)
		if err := reachesAll(got, all); err != nil {
			t.Error(err)
		}
	})

	run("ClusterIP from a pod reaches every backend", func(t *testing.T) {
		got := c.askPod("kubia-a", "tool", "http://"+web.Spec.ClusterIP+"/", 100)
		t.Logf("%v", got)
		if err := reachesAll(got, all); err != nil {
			t.Error(err)
		}
	})

	run("NodePort answers on the node address", func(t *testing.T) {
		url := fmt.Sprintf("http://%s:%d/", nodeAddr, np.Spec.Ports[0].NodePort)
		got := askNode(t, url, 100)
		t.Logf("%s: %v", url, got)
		if err := reachesAll(got, all); err != nil {
			t.Error(err)
		}
	})

	run("NodePort answers on 127.0.0.1, the node's InternalIP", func(t *testing.T) {
		url := fmt.Sprintf("http://127.0.0.1:%d/", np.Spec.Ports[0].NodePort)
		got := askNode(t, url, 60)
		t.Logf("%s: %v", url, got)
		if err := reachesAll(got, all); err != nil {
			t.Error(err)
		}
	})

	run("a LoadBalancer on a node known by 127.0.0.1 publishes no address, and answers on its node port", func(t *testing.T) {
		// The lab test checks that every published address answers.
		url := fmt.Sprintf("http://127.0.0.1:%d/", lb.Spec.Ports[0].NodePort)
		c.eventually(10*time.Second, "the proxy to program "+url, func() error {
			return reachesAll(askNode(t, url, 30), all)
		})
		obj, err := c.client.Resource(resource("services")).Namespace("default").Get(context.Background(), lb.Name)
		if err != nil {
			t.Fatal(err)
		}
		if in := obj.(*api.Service).Status.LoadBalancer.Ingress; len(in) != 0 {
			t.Errorf("status lists %v: nothing answers on a loopback address's service port", in)
		}
		if got := askNode(t, "http://127.0.0.1:80/", 1); got["kubia-a"]+got["kubia-b"]+got["kubia-c"] > 0 {
			t.Errorf("127.0.0.1:80 reached the service: %v", got)
		}
	})

	run("ClientIP affinity sticks to one backend", func(t *testing.T) {
		if got := askNode(t, "http://10.198.7.12/", 20); len(got) != 1 {
			t.Errorf("20 requests: %v, want one backend", got)
		}
	})

	run("a service without endpoints is refused at once", func(t *testing.T) {
		c.eventually(5*time.Second, "connection refused", func() error {
			start := time.Now()
			conn, err := net.DialTimeout("tcp4", "10.198.7.13:80", 2*time.Second)
			if err == nil {
				conn.Close()
				return errors.New("connected")
			}
			if !errors.Is(err, syscall.ECONNREFUSED) {
				return err
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("refused after %s, want under a second", took)
			}
			return nil
		})
	})

	run("a pod reaches itself through its own service (hairpin)", func(t *testing.T) {
		if got := c.askPod("kubia-a", "tool", "http://10.198.7.14/", 5); got["kubia-a"] != 5 {
			t.Errorf("5 requests: %v, want kubia-a 5 times", got)
		}
	})

	run("a backend leaving the service updates the rules, and so does its return", func(t *testing.T) {
		c.mustKctl("label", "pod", "kubia-c", "app-")
		c.eventually(10*time.Second, "kubia-c to stop answering", func() error {
			got := askNode(t, "http://"+web.Spec.ClusterIP+"/", 30)
			if got["kubia-c"] > 0 {
				return fmt.Errorf("30 requests: %v", got)
			}
			return reachesAll(got, all[:2])
		})
		c.mustKctl("label", "pod", "kubia-c", "app=kubia")
		c.eventually(10*time.Second, "kubia-c to answer again", func() error {
			return reachesAll(askNode(t, "http://"+web.Spec.ClusterIP+"/", 30), all)
		})
	})

	run("proxy cleanup leaves nothing of either mode", stopProxy)
}

// startControllers runs the controller manager (for the endpoints
// controller), as system:kube-controller-manager, until the test ends.
func (c *cluster) startControllers() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- manager.Run(ctx, manager.Options{Kubeconfig: c.file(pki.ControllerManagerKubeconfig),
			QPS: -1, Burst: -1, Logger: c.log.Named("controller")})
	}()
	c.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			c.t.Errorf("controller manager: %v", err)
		}
	})
}

// startProxy prepares the host and runs the proxy in its default mode;
// see runProxy.
func (c *cluster) startProxy() (stop func(t *testing.T)) {
	c.prepareProxy()
	return c.runProxy("")
}

// prepareProxy skips the test where a proxy runs in this host's namespace
// already, and puts the node address on the bridge until the test ends.
func (c *cluster) prepareProxy() {
	t := c.t
	if _, err := exec.LookPath("iptables-save"); err != nil {
		t.Skip("needs iptables-save")
	}
	if state := proxyState(t); state != "" {
		t.Skipf("a kubelab proxy runs in this host's namespace (%s): stop it first", state)
	}
	addNodeAddress(t)
	keepSysctl(t, "/proc/sys/net/ipv4/conf/all/route_localnet") // the proxy turns it on
}

// runProxy runs the proxy in mode ("": its default), as system:kube-proxy,
// in the host's namespace. The returned stop, also run when the test
// ends, stops the proxy, runs its cleanup and checks that nothing of
// either mode is left.
func (c *cluster) runProxy(mode string) (stop func(t *testing.T)) {
	t := c.t
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	opts := proxy.Options{Kubeconfig: c.file(pki.ProxyKubeconfig), NodeName: c.node, NodeIPs: []string{nodeAddr},
		ClusterCIDR: clusterCIDR, MasqueradeBit: 14, MinSyncPeriod: 200 * time.Millisecond, SyncPeriod: 30 * time.Second,
		Mode: mode, LogLevel: "warn"}
	go func() { done <- proxy.Run(ctx, opts) }()
	var once sync.Once
	stop = func(t *testing.T) {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("proxy: %v", err)
			}
			if err := proxy.Run(context.Background(), proxy.Options{Cleanup: true, LogLevel: "warn"}); err != nil {
				t.Errorf("proxy --cleanup: %v", err)
			}
			if state := proxyState(t); state != "" {
				t.Errorf("after the proxy's cleanup, the host still has:\n%s", state)
			}
		})
	}
	t.Cleanup(func() { stop(t) })
	return stop
}

// proxyChainRE matches the proxy's chains and the jumps to them, not the
// node network's KLAB-FORWARD and KLAB-POSTROUTING.
var proxyChainRE = regexp.MustCompile(`KLAB-(SERVICES|NODEPORTS|MARK-MASQ|PROXY-|EXTERNAL|FIREWALL|SVC-|EXT-|SEP-)`)

// proxyState returns what the proxy has on the host: the lines of
// iptables-save that belong to its iptables mode, and the table of its
// nftables mode.
func proxyState(t *testing.T) string {
	out, err := exec.Command("iptables-save").Output()
	if err != nil {
		t.Fatalf("iptables-save: %v", err)
	}
	var lines []string
	for l := range strings.Lines(string(out)) {
		if proxyChainRE.MatchString(l) {
			lines = append(lines, l)
		}
	}
	if _, err := exec.LookPath("nft"); err == nil {
		if exec.Command("nft", "list", "table", "ip", "kubelab").Run() == nil {
			lines = append(lines, "nftables table ip kubelab\n")
		}
	}
	return strings.Join(lines, "")
}

// keepSysctl puts a kernel setting of the host back as it was when the
// test ends.
func keepSysctl(t *testing.T, path string) {
	t.Helper()
	was, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(path, was, 0o644); err != nil {
			t.Errorf("restore %s: %v", path, err)
		}
	})
}

// addNodeAddress puts nodeAddr on the node's bridge until the test ends
// (this kernel may lack dummy links; the bridge is the test's own). A
// /32: the address is local, and no route to its network appears.
func addNodeAddress(t *testing.T) {
	t.Helper()
	br, err := netlink.LinkByName(bridge)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := netlink.ParseAddr(nodeAddr + "/32")
	if err := netlink.AddrAdd(br, addr); err != nil {
		t.Fatalf("add %s to %s: %v", nodeAddr, bridge, err)
	}
	t.Cleanup(func() {
		if err := netlink.AddrDel(br, addr); err != nil && !errors.Is(err, syscall.EADDRNOTAVAIL) && !errors.Is(err, unix.ENODEV) {
			t.Errorf("remove %s from %s: %v", nodeAddr, bridge, err)
		}
	})
}

// routeServices routes the test's cluster IPs to the node's bridge until
// the test ends. The node itself needs a route to a cluster IP: the
// kernel picks the route before the proxy's rules rewrite the
// destination, and the guard's unreachable route would refuse the
// connection. A packet the rules miss goes to the bridge and no further.
func routeServices(t *testing.T) {
	t.Helper()
	br, err := netlink.LinkByName(bridge)
	if err != nil {
		t.Fatal(err)
	}
	_, dst, _ := net.ParseCIDR(serviceNet)
	route := &netlink.Route{Dst: dst, LinkIndex: br.Attrs().Index, Scope: netlink.SCOPE_LINK}
	if err := netlink.RouteAdd(route); err != nil {
		t.Fatalf("route %s to %s: %v", serviceNet, bridge, err)
	}
	t.Cleanup(func() {
		if err := netlink.RouteDel(route); err != nil && !errors.Is(err, syscall.ESRCH) && !errors.Is(err, unix.ENODEV) {
			t.Errorf("remove the route for %s: %v", serviceNet, err)
		}
	})
}

// createService creates a service of port 80 to the pods' port http.
func (c *cluster) createService(name, clusterIP string, selector map[string]string, mod func(*api.Service)) *api.Service {
	c.t.Helper()
	svc := &api.Service{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.ServiceSpec{Selector: selector, ClusterIP: clusterIP,
			Ports: []api.ServicePort{{Name: "http", Protocol: "TCP", Port: 80, TargetPort: api.FromString("http")}}},
	}
	if mod != nil {
		mod(svc)
	}
	obj, err := c.client.Resource(resource("services")).Namespace("default").Create(context.Background(), svc)
	if err != nil {
		c.t.Fatalf("create service %s: %v", name, err)
	}
	return obj.(*api.Service)
}

// readyEndpoints is a check that service name has n ready addresses.
func (c *cluster) readyEndpoints(name string, n int) error {
	obj, err := c.client.Resource(resource("endpoints")).Namespace("default").Get(context.Background(), name)
	if err != nil {
		return err
	}
	var got []string
	for _, s := range obj.(*api.Endpoints).Subsets {
		for _, a := range s.Addresses {
			got = append(got, a.IP)
		}
	}
	if len(got) != n {
		return fmt.Errorf("ready addresses %v, want %d", got, n)
	}
	return nil
}

// hitRE finds the pod's name in kubia's answer.
var hitRE = regexp.MustCompile(`You've hit (\S+) \(`)

// askNode GETs url n times from the node, each on a new connection, and
// counts the answers by pod name; failures count under "error: …".
func askNode(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	cl := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	got := map[string]int{}
	for range n {
		resp, err := cl.Get(url)
		if err != nil {
			got["error: "+err.Error()]++
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got[podName(string(b))]++
	}
	return got
}

// askPod GETs url n times from a container of pod, with busybox wget
// (whose -T, the timeout, crashes the static build of the toolbox).
func (c *cluster) askPod(pod, container, url string, n int) map[string]int {
	c.t.Helper()
	script := fmt.Sprintf("for i in $(seq %d); do wget -qO- %s || echo failed; done", n, url)
	out := c.mustKctl("exec", pod, "-c", container, "--", "sh", "-c", script)
	got := map[string]int{}
	for l := range strings.Lines(out) {
		got[podName(l)]++
	}
	return got
}

func podName(answer string) string {
	if m := hitRE.FindStringSubmatch(answer); m != nil {
		return m[1]
	}
	return "unexpected: " + strings.TrimSpace(answer)
}

// reachesAll is a check that the answers came from every one of pods and
// nothing failed.
func reachesAll(got map[string]int, pods []string) error {
	total := 0
	for _, n := range got {
		total += n
	}
	for _, p := range pods {
		if got[p] == 0 {
			return fmt.Errorf("%d requests: %v, none reached %s", total, got, p)
		}
	}
	if len(got) != len(pods) {
		return fmt.Errorf("%d requests: %v, want only %v", total, got, pods)
	}
	return nil
}
