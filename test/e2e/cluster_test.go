package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/sys/unix"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kubelet"
	"kubelab/pkg/kubelet/docker"
	"kubelab/pkg/kubelet/network"
	"kubelab/pkg/kubelet/runtime"
	"kubelab/pkg/nodecheck"
)

// The test's own address ranges and bridge; see doc.go.
const (
	clusterCIDR = "10.199.0.0/16"
	serviceCIDR = "10.198.0.0/16"
	// kubernetesServiceIP is the first address of serviceCIDR: the
	// apiserver's Service, and a name in its certificate.
	kubernetesServiceIP = "10.198.0.1"
	bridge              = "klabe2e0"
	dnsIP               = "10.198.0.10" // the kube-dns Service, the tenth address of the range as 10.96.0.10 is of the default one
)

const (
	pauseImage   = docker.DefaultPauseImage
	kubiaImage   = "kubelab/kubia:latest"
	toolboxImage = "kubelab/toolbox:latest"
	dnsImage     = "kubelab/dns:latest"
)

// cluster is an apiserver and one Docker-backed node, in this process,
// each part with its own identity (apiserver_test.go).
type cluster struct {
	t       *testing.T
	server  string         // the apiserver's URL, https://
	pkiDir  string         // the cluster CA, certificates and kubeconfigs (apiserver_test.go)
	client  *client.Client // the admin's
	refused refusals       // what the apiserver refused, and to whom
	node    string
	rootDir string
	rt      *docker.Runtime
	logs    *syncBuffer // the kubelet's log, shown when a test fails
	log     *zap.Logger // writes to logs

	kubeletCert, kubeletKey string // the kubelet's serving certificate, under pkiDir

	mu      sync.Mutex
	stopKub func() // stops the running kubelet
}

// startCluster brings up the apiserver and the node, or skips the test.
// Everything it makes goes when the test ends, whatever happened.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	node := "e2e-" + randHex(3)
	logs := &syncBuffer{}
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(logs), zap.InfoLevel))
	rootDir := t.TempDir()
	rt := needNode(t, node, rootDir, log)
	c := &cluster{t: t, node: node, rootDir: rootDir, rt: rt, logs: logs, log: log}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("E2E_KUBELET_LOG") != "" {
			t.Logf("the kubelet's log:\n%s", logs.String())
		}
	})

	guardNetwork(t)
	c.startAPIServer()
	t.Cleanup(c.sweep) // after the pods are deleted and the kubelet stopped
	c.startKubelet()
	t.Cleanup(c.teardown)
	return c
}

// needNode skips the test unless it can run a real node here, and returns
// the Docker runtime for node.
func needNode(t *testing.T, node, rootDir string, log *zap.Logger) *docker.Runtime {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root and a reachable Docker engine: not root")
	}
	rt, err := docker.New(node, log, docker.WithRootDir(rootDir))
	if err != nil {
		t.Skipf("needs root and a reachable Docker engine: %v", err)
	}
	t.Cleanup(func() { rt.Close() })
	if _, err := netlink.LinkByName(network.DefaultBridge); err == nil {
		t.Skipf("a kubelab node runs on this host (bridge %s): stop it first, the tests would share its iptables chains", network.DefaultBridge)
	}
	if exec.Command("iptables", "-w", "-S", nodecheck.ForwardChain).Run() == nil {
		t.Skipf("another kubelab node network (a benchmark, a test) owns the iptables chain %s here: the tests would share it, and remove it at the end", nodecheck.ForwardChain)
	}
	for _, image := range []string{pauseImage, kubiaImage, toolboxImage, dnsImage} {
		if ok, err := rt.ImagePresent(t.Context(), image); err != nil || !ok {
			t.Fatalf("image %s is missing: run images/build.sh", image)
		}
	}
	return rt
}

// guardNetwork routes the test's ranges nowhere, in the host's namespace,
// until the test ends: no pod packet can leave the machine.
func guardNetwork(t *testing.T) {
	t.Helper()
	for _, cidr := range []string{clusterCIDR, serviceCIDR} {
		_, dst, _ := net.ParseCIDR(cidr)
		existing, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Dst: dst}, netlink.RT_FILTER_DST)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range existing {
			if r.Type != unix.RTN_UNREACHABLE {
				t.Fatalf("%s is routed on this host (%s): the e2e tests need it to themselves", cidr, r)
			}
		}
		route := &netlink.Route{Dst: dst, Type: unix.RTN_UNREACHABLE}
		if err := netlink.RouteReplace(route); err != nil {
			t.Fatalf("add an unreachable route for %s: %v", cidr, err)
		}
		t.Cleanup(func() {
			if err := netlink.RouteDel(route); err != nil && !errors.Is(err, syscall.ESRCH) {
				t.Errorf("remove the unreachable route for %s: %v", cidr, err)
			}
		})
	}
}

// networkConfig is the node's network, for the kubelet and for the
// sweep.
func (c *cluster) networkConfig(podCIDR string, log *zap.Logger) network.Config {
	return network.Config{NodeName: c.node, PodCIDR: podCIDR, ClusterCIDR: clusterCIDR, Bridge: bridge,
		NodeIP: "127.0.0.1", Log: log}
}

// startKubelet runs a kubelet for the node until stopKubelet: a new one
// over the same Docker engine and root directory each time, as a restart
// on a real node. It is system:node:<node>, as on a real node. changes
// set, in order, the flags a test needs otherwise (config_test.go: a
// short --sync-frequency).
func (c *cluster) startKubelet(changes ...func(*kubelet.Options)) {
	t, log := c.t, c.log
	opts := kubelet.Options{
		Kubeconfig: c.file(c.kubeletKubeconfig()), TLSCertFile: c.kubeletCert, TLSPrivateKeyFile: c.kubeletKey,
		NodeName: c.node, RuntimeName: "docker", Runtime: c.rt,
		NodeIP: "127.0.0.1", Port: 0, RootDir: c.rootDir, Heartbeat: 2 * time.Second, ClusterDNS: []string{dnsIP},
		Logger: log, CPU: "4", Memory: "8Gi",
		NewNetwork: func(podCIDR, nodeIP string) (runtime.PodNetwork, error) {
			n, err := network.New(c.networkConfig(podCIDR, log.Named("network")))
			if err != nil {
				return nil, err
			}
			return network.PodNetwork{Network: n}, nil
		},
	}
	for _, change := range changes {
		change(&opts)
	}
	k, err := kubelet.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	c.mu.Lock()
	c.stopKub = func() {
		cancel()
		if err := <-done; err != nil {
			c.t.Errorf("kubelet: %v", err)
		}
	}
	c.mu.Unlock()
	// Ready once the Node names this kubelet's port.
	c.eventually(20*time.Second, "the node to register", func() error {
		n, err := c.nodeObject()
		if err != nil {
			return err
		}
		addr := k.Addr()
		if addr == "" || n.Spec.PodCIDR == "" || !strings.HasSuffix(addr, fmt.Sprintf(":%d", n.Status.DaemonEndpoints.KubeletEndpoint.Port)) {
			return fmt.Errorf("node %s does not publish the kubelet at %s yet", c.node, addr)
		}
		return nil
	})
}

// stopKubelet stops the running kubelet; its containers keep running.
func (c *cluster) stopKubelet() {
	c.mu.Lock()
	stop := c.stopKub
	c.stopKub = nil
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
}

func (c *cluster) nodeObject() (*api.Node, error) {
	obj, err := c.client.Resource(resource("nodes")).Get(context.Background(), c.node)
	if err != nil {
		return nil, err
	}
	return obj.(*api.Node), nil
}

// teardown deletes every pod and waits for the kubelet to remove them,
// then stops the kubelet.
func (c *cluster) teardown() {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	if c.t.Failed() || os.Getenv("E2E_KUBELET_LOG") != "" {
		evs, _, _ := c.client.Resource(resource("events")).Namespace("default").List(ctx, client.ListOptions{})
		var lines []string
		for _, obj := range evs {
			ev := obj.(*api.Event)
			lines = append(lines, fmt.Sprintf("%s %s %s: %s (x%d)", ev.LastTimestamp.Format("15:04:05.000"), ev.InvolvedObject.Name, ev.Reason, ev.Message, ev.Count))
		}
		slices.Sort(lines)
		c.t.Logf("events:\n%s", strings.Join(lines, "\n"))
	}
	pods := c.client.Resource(resource("pods")) // every namespace: the DNS pods are in kube-system
	objs, _, err := pods.List(ctx, client.ListOptions{})
	if err != nil {
		c.t.Errorf("teardown: %v", err)
	}
	for _, obj := range objs {
		m := obj.GetObjectMeta()
		if err := pods.Namespace(m.Namespace).Delete(ctx, m.Name, &api.DeleteOptions{GracePeriodSeconds: api.Int64(1)}); err != nil && !client.IsNotFound(err) {
			c.t.Errorf("teardown: %v", err)
		}
	}
	for ctx.Err() == nil {
		objs, _, err := pods.List(ctx, client.ListOptions{})
		if err == nil && len(objs) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if ctx.Err() != nil {
		c.t.Errorf("teardown: pods were still there after 45s")
	}
	// A finished pod is deleted at once, without waiting for the kubelet,
	// which then removes its containers as those of a pod the API no
	// longer has: give it the time to.
	for ctx.Err() == nil {
		if cs, err := c.rt.ListContainers(ctx); err == nil && len(cs) == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.stopKubelet()
}

// sweep removes whatever the node left, even if the kubelet could not:
// containers with the node's label, the pods' directories, the network.
func (c *cluster) sweep() {
	c.stopKubelet()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := c.rt.ListContainers(ctx)
	if err != nil {
		c.t.Errorf("sweep: %v", err)
	}
	for _, ctr := range cs {
		c.t.Errorf("sweep: container %s (%s of pod %s) was left behind", ctr.ID, ctr.Name, ctr.PodKey())
		if err := c.rt.RemoveContainer(ctx, ctr.ID); err != nil {
			c.t.Errorf("sweep: %v", err)
		}
		if err := c.rt.RemovePodDirs(ctr.PodUID); err != nil {
			c.t.Errorf("sweep: %v", err)
		}
	}
	podCIDR := clusterCIDR // Cleanup needs a valid configuration, not this exact range
	if n, err := c.nodeObject(); err == nil && n.Spec.PodCIDR != "" {
		podCIDR = n.Spec.PodCIDR
	}
	n, err := network.New(c.networkConfig(podCIDR, zap.NewNop()))
	if err != nil {
		c.t.Errorf("sweep: %v", err)
		return
	}
	defer n.Close()
	if err := n.Cleanup(ctx); err != nil {
		c.t.Errorf("sweep: network cleanup: %v", err)
	}
}

// stepper returns run(name, step): step as a subtest of t, with the
// cluster's helpers failing that subtest while it runs.
func (c *cluster) stepper(t *testing.T) func(name string, step func(t *testing.T)) {
	return func(name string, step func(t *testing.T)) {
		t.Run(name, func(st *testing.T) {
			c.t = st
			defer func() { c.t = t }()
			step(st)
		})
	}
}

// eventually polls cond until it returns nil or the time is up.
func (c *cluster) eventually(within time.Duration, what string, cond func() error) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out after %s waiting for %s: %v", within, what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func resource(name string) api.Resource {
	r, ok := api.Lookup(name)
	if !ok {
		panic("no resource " + name)
	}
	return r
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// syncBuffer is a bytes.Buffer that many goroutines may log to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// podDir is where the runtime keeps a pod's directories (emptyDirs).
func (c *cluster) podDir(uid string) string { return filepath.Join(c.rootDir, "pods", uid) }
