// Command podbench measures pod start on one real node against its own
// baseline, in one run on this machine:
//
//   - baseline: `docker run` of each pod's two containers (kubelab/pause
//     with network none, then kubelab/kubia in its network and IPC
//     namespaces), -parallel pods at a time, as the kubelet's pod workers
//     go;
//   - the floor: the same containers started with the engine API calls the
//     kubelet's runtime makes, without apiserver, kubelet or network;
//   - kubelab: the same pods created at once through an apiserver (over
//     HTTPS, as the admin) and started by a kubelet process
//     (--runtime=docker, with its pod network and the cluster DNS in each
//     pod's resolv.conf, as system:node:<node>), until the watch shows
//     each Running;
//   - kubelab with volumes: the same, each pod also mounting a ConfigMap
//     and a Secret, which the kubelet fetches and writes out first;
//
// and prints for each the p50 and the slowest of "batch start → this pod
// running"; then, over -rounds rounds in which the four take turns, the
// median p50 of each and kubelab's (both kinds) as a ratio to the
// baselines'; and the
// kubelet's resident memory, idle and with every pod running.
//
// It needs root, Docker and the images of images/build.sh; run it with
// hack/bench/podstart.sh. Network safety as in test/e2e: pods get
// addresses from 10.197.0.0/16 (services would from 10.196.0.0/16), both
// routed `unreachable` in the host's namespace for the run, on the bridge
// klabbench0; and everything it made goes at the end: pods, containers,
// veths, bridge, routes, iptables chains.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"kubelab/hack/bench/benchpki"
	"kubelab/pkg/api"
	"kubelab/pkg/apiserver"
	"kubelab/pkg/client"
	"kubelab/pkg/kubelet/docker"
	"kubelab/pkg/kubelet/network"
	"kubelab/pkg/kubelet/runtime"
	"kubelab/pkg/pki"
	"kubelab/pkg/store"
)

var (
	kubeletLog string // where the kubelet logs (-kubelet-log)
	rounds     int
)

const (
	clusterCIDR = "10.197.0.0/16"
	serviceCIDR = "10.196.0.0/16"
	clusterDNS  = "10.196.0.10" // only written into the pods' resolv.conf: nothing asks it
	bridge      = "klabbench0"
	pauseImage  = docker.DefaultPauseImage
	appImage    = "kubelab/kubia:latest"
)

func main() {
	pods := flag.Int("pods", 30, "pods to start")
	parallel := flag.Int("parallel", 4, "pods the baselines start at a time (the kubelet's pod workers)")
	flag.IntVar(&rounds, "rounds", 3, "rounds of the four measurements, taking turns")
	bin := flag.String("kubelet", "bin/kubelet", "the kubelet binary")
	flag.StringVar(&kubeletLog, "kubelet-log", "", "keep the kubelet's log in this file (default: a temporary one)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *pods, *parallel, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "podbench:", err)
		os.Exit(1)
	}
}

// cleanup collects what to undo, and undoes it last made, first undone.
type cleanup []func()

func (c *cleanup) add(f func()) { *c = append(*c, f) }

func (c cleanup) run() {
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
}

func run(ctx context.Context, pods, parallel int, bin string) (err error) {
	if os.Geteuid() != 0 {
		return errors.New("needs root (the pod network) and Docker")
	}
	id := strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	node := "bench-" + id
	dir, err := os.MkdirTemp("", "kubelab-podbench-")
	if err != nil {
		return err
	}
	var undo cleanup
	defer func() { undo.run() }()
	undo.add(func() { os.RemoveAll(dir) })

	rt, err := docker.New(node, zap.NewNop(), docker.WithRootDir(filepath.Join(dir, "kubelet")))
	if err != nil {
		return err
	}
	undo.add(func() { rt.Close() })
	for _, image := range []string{pauseImage, appImage} {
		if ok, err := rt.ImagePresent(ctx, image); err != nil || !ok {
			return fmt.Errorf("image %s is missing: run images/build.sh", image)
		}
	}
	if _, err := netlink.LinkByName(network.DefaultBridge); err == nil {
		return fmt.Errorf("a kubelab node runs on this host (bridge %s): stop it first, the benchmark would share its iptables chains", network.DefaultBridge)
	}
	if err := guardNetwork(&undo); err != nil {
		return err
	}

	p, err := benchpki.New()
	if err != nil {
		return err
	}
	undo.add(func() { p.Close() })
	c, err := startAPIServer(ctx, dir, p, &undo)
	if err != nil {
		return err
	}
	// The node's leftovers go even if the kubelet could not remove them.
	undo.add(func() { sweep(rt, node, true) })
	k, err := startKubelet(ctx, bin, c, p, node, dir, &undo)
	if err != nil {
		return err
	}
	idle := rss(k.Process.Pid)
	if err := createVolumeSources(ctx, c); err != nil {
		return err
	}

	// The four take turns, so that the machine's moods touch them alike.
	fmt.Printf("pod start, %d pods (kubelab/pause + kubelab/kubia) on one node, batch start → pod running:\n", pods)
	var dockerRuns, engine, kubelab, withVolumes []time.Duration // p50 of each round
	var peak int64
	for round := range rounds {
		base, err := baseline(ctx, id, pods, parallel)
		if err != nil {
			return fmt.Errorf("docker run: %w", err)
		}
		report(round, fmt.Sprintf("docker run, %d at a time", parallel), base)
		raw, err := engineCalls(ctx, fmt.Sprintf("bench-%s-raw%d", id, round), filepath.Join(dir, "raw"), pods, parallel)
		if err != nil {
			return fmt.Errorf("engine calls: %w", err)
		}
		report(round, fmt.Sprintf("engine API calls, %d at a time", parallel), raw)
		var lat [2][]time.Duration
		for i, volumes := range []bool{false, true} {
			lat[i], err = startPods(ctx, c, node, round, pods, volumes)
			if err != nil {
				return fmt.Errorf("kubelab: %w (kubelet log: %s)", err, kubeletLog)
			}
			report(round, map[bool]string{false: "kubelab: create → Running", true: "kubelab, ConfigMap + Secret volumes"}[volumes], lat[i])
			time.Sleep(2 * time.Second) // the relister and a status round settle
			for range 5 {
				peak = max(peak, rss(k.Process.Pid))
				time.Sleep(200 * time.Millisecond)
			}
			if err := deletePods(ctx, c); err != nil {
				return err
			}
		}
		dockerRuns = append(dockerRuns, percentile(base, 50))
		engine = append(engine, percentile(raw, 50))
		kubelab = append(kubelab, percentile(lat[0], 50))
		withVolumes = append(withVolumes, percentile(lat[1], 50))
	}
	ratio := func(of, base []time.Duration) float64 {
		return float64(percentile(of, 50)) / float64(percentile(base, 50))
	}
	fmt.Printf("median of the rounds' p50s: docker run %s, engine API %s, kubelab %s, kubelab with volumes %s\n",
		percentile(dockerRuns, 50).Round(time.Millisecond), percentile(engine, 50).Round(time.Millisecond),
		percentile(kubelab, 50).Round(time.Millisecond), percentile(withVolumes, 50).Round(time.Millisecond))
	fmt.Printf("  kubelab / docker run                %.2fx  (goal ≤ 1.3x)\n", ratio(kubelab, dockerRuns))
	fmt.Printf("  kubelab with volumes / docker run   %.2fx  (goal ≤ 1.3x)\n", ratio(withVolumes, dockerRuns))
	fmt.Printf("  kubelab / engine API calls          %.2fx\n", ratio(kubelab, engine))
	fmt.Printf("kubelet resident memory: %.1f MB idle, %.1f MB at most with %d pods running  (goal ≤ 48 MB)\n",
		float64(idle)/1e6, float64(peak)/1e6, pods)
	return nil
}

// guardNetwork routes the benchmark's ranges nowhere for the run.
func guardNetwork(undo *cleanup) error {
	for _, cidr := range []string{clusterCIDR, serviceCIDR} {
		_, dst, _ := net.ParseCIDR(cidr)
		existing, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Dst: dst}, netlink.RT_FILTER_DST)
		if err != nil {
			return err
		}
		for _, r := range existing {
			if r.Type != unix.RTN_UNREACHABLE {
				return fmt.Errorf("%s is routed on this host (%s): the benchmark needs it to itself", cidr, r)
			}
		}
		route := &netlink.Route{Dst: dst, Type: unix.RTN_UNREACHABLE}
		if err := netlink.RouteReplace(route); err != nil {
			return fmt.Errorf("add an unreachable route for %s: %w", cidr, err)
		}
		undo.add(func() { netlink.RouteDel(route) })
	}
	return nil
}

// baseline starts pods pairs of containers with the docker CLI, parallel
// at a time, and returns each pair's time from the start of the batch to
// its app container running. It removes them before returning.
func baseline(ctx context.Context, id string, pods, parallel int) ([]time.Duration, error) {
	label := "io.kubelab.podbench=" + id
	defer func() {
		out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label="+label).Output()
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			exec.Command("docker", append([]string{"rm", "-f"}, ids...)...).Run()
		}
	}()
	lat := make([]time.Duration, pods)
	errs := make([]error, pods)
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range parallel {
		wg.Go(func() {
			for i := range next {
				pause := fmt.Sprintf("podbench-%s-%d-pause", id, i)
				if err := dockerRun(ctx, "--name", pause, "--label", label, "--network", "none", "--ipc", "shareable", pauseImage); err != nil {
					errs[i] = err
					continue
				}
				errs[i] = dockerRun(ctx, "--name", fmt.Sprintf("podbench-%s-%d-app", id, i), "--label", label,
					"--network", "container:"+pause, "--ipc", "container:"+pause, appImage)
				lat[i] = time.Since(start)
			}
		})
	}
	for i := range pods {
		next <- i
	}
	close(next)
	wg.Wait()
	return lat, errors.Join(errs...)
}

// engineCalls starts the same pods with the runtime's own calls to the
// engine (create and start the sandbox, then the app container), with no
// apiserver, no kubelet and no pod network: the floor under the kubelet.
// It removes them before returning.
func engineCalls(ctx context.Context, node, root string, pods, parallel int) ([]time.Duration, error) {
	rt, err := docker.New(node, zap.NewNop(), docker.WithRootDir(root))
	if err != nil {
		return nil, err
	}
	defer func() { sweep(rt, "", false); rt.Close() }()
	lat := make([]time.Duration, pods)
	errs := make([]error, pods)
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range parallel {
		wg.Go(func() {
			for i := range next {
				pod := &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: fmt.Sprintf("raw-%d", i), UID: fmt.Sprintf("raw-%d", i)}}
				app := &api.Container{Name: "kubia", Image: appImage}
				sandbox, err := rt.RunSandbox(ctx, pod, "")
				if err == nil {
					_, err = rt.StartContainer(ctx, kubeletContainer(pod, sandbox, app))
				}
				errs[i], lat[i] = err, time.Since(start)
			}
		})
	}
	for i := range pods {
		next <- i
	}
	close(next)
	wg.Wait()
	return lat, errors.Join(errs...)
}

func dockerRun(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "docker", append([]string{"run", "-d"}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker run %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// startAPIServer serves the API in this process over an embedded etcd,
// over HTTPS with p's certificates, and returns the admin's client.
func startAPIServer(ctx context.Context, dir string, p *benchpki.PKI, undo *cleanup) (*client.Client, error) {
	etcd, err := store.StartEmbedded(store.EmbeddedConfig{DataDir: filepath.Join(dir, "etcd"), Logger: zap.NewNop()})
	if err != nil {
		return nil, err
	}
	undo.add(etcd.Close)
	sctx, cancel := context.WithCancel(context.Background())
	srv, err := p.Serve(sctx, apiserver.Config{Store: store.New(etcd.Client(), "/registry"), ClusterCIDR: clusterCIDR, ServiceCIDR: serviceCIDR})
	if err != nil {
		cancel()
		return nil, err
	}
	undo.add(func() { cancel(); <-srv.Done })
	cfg, err := p.ClientConfig(pki.AdminKubeconfig, srv.URL)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = -1, -1
	return client.New(cfg)
}

// startKubelet runs the kubelet binary for node and waits until it has
// registered.
func startKubelet(ctx context.Context, bin string, c *client.Client, p *benchpki.PKI, node, dir string, undo *cleanup) (*exec.Cmd, error) {
	if kubeletLog == "" {
		kubeletLog = filepath.Join(dir, "kubelet.log")
	}
	kubeconfig, err := p.KubeletKubeconfig(node) // system:node:<node>, as the Node authorizer wants it
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(kubeletLog)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--runtime=docker", "--kubeconfig", kubeconfig, "--server", c.Server(), "--node-name", node,
		"--node-ip", "127.0.0.1", "--port", "0", "--root-dir", filepath.Join(dir, "kubelet"),
		"--cluster-cidr", clusterCIDR, "--bridge", bridge, "--cluster-dns", clusterDNS, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w (make build)", bin, err)
	}
	undo.add(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		logFile.Close()
	})
	nodes := c.Resource(resource("nodes"))
	deadline := time.Now().Add(20 * time.Second)
	for {
		obj, err := nodes.Get(ctx, node)
		if err == nil && obj.(*api.Node).Status.DaemonEndpoints.KubeletEndpoint.Port != 0 {
			return cmd, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("the kubelet did not register (log: %s)", logFile.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// createVolumeSources creates the ConfigMap and the Secret the pods with
// volumes mount.
func createVolumeSources(ctx context.Context, c *client.Client) error {
	if _, err := c.Resource(resource("configmaps")).Namespace("default").Create(ctx, &api.ConfigMap{
		ObjectMeta: api.ObjectMeta{Name: "bench-config"}, Data: map[string]string{"greeting": "hello", "app.conf": "port=8080\n"}}); err != nil {
		return err
	}
	_, err := c.Resource(resource("secrets")).Namespace("default").Create(ctx, &api.Secret{
		ObjectMeta: api.ObjectMeta{Name: "bench-secret"}, Data: map[string][]byte{"password": []byte("s3cret")}})
	return err
}

// startPods creates n pods bound to node at once, with a ConfigMap and
// a Secret volume if volumes, and returns each one's time from the first
// create to the watch showing it Running.
func startPods(ctx context.Context, c *client.Client, node string, round, n int, volumes bool) ([]time.Duration, error) {
	pods := c.Resource(resource("pods")).Namespace("default")
	w, err := pods.Watch(ctx, client.ListOptions{})
	if err != nil {
		return nil, err
	}
	defer w.Stop()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			pod := &api.Pod{
				ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("kubia-%d-%d", round, i)},
				// No ServiceAccount token: the baselines mount none, and no
				// controller runs here to publish kube-root-ca.crt.
				Spec: api.PodSpec{NodeName: node, TerminationGracePeriodSeconds: api.Int64(1), AutomountServiceAccountToken: api.Bool(false),
					Containers: []api.Container{{Name: "kubia", Image: appImage, ImagePullPolicy: api.PullNever}}},
			}
			if volumes {
				pod.Name = fmt.Sprintf("kubia-vol-%d-%d", round, i)
				pod.Spec.Volumes = []api.Volume{
					{Name: "config", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{Name: "bench-config"}}},
					{Name: "secret", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "bench-secret"}}},
				}
				pod.Spec.Containers[0].VolumeMounts = []api.VolumeMount{{Name: "config", MountPath: "/config"}, {Name: "secret", MountPath: "/secret"}}
			}
			_, errs[i] = pods.Create(ctx, pod)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	running := map[string]time.Duration{}
	timeout := time.After(2 * time.Minute)
	for len(running) < n {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return nil, errors.New("the watch ended")
			}
			p, isPod := ev.Object.(*api.Pod)
			if !isPod || running[p.Name] != 0 || p.Status.Phase != api.PodRunning {
				continue
			}
			running[p.Name] = time.Since(start)
		case <-timeout:
			return nil, fmt.Errorf("%d of %d pods running after 2 minutes", len(running), n)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	out := make([]time.Duration, 0, n)
	for _, d := range running {
		out = append(out, d)
	}
	return out, nil
}

// deletePods deletes every pod and waits for the kubelet to finish them.
func deletePods(ctx context.Context, c *client.Client) error {
	pods := c.Resource(resource("pods")).Namespace("default")
	objs, _, err := pods.List(ctx, client.ListOptions{})
	if err != nil {
		return err
	}
	for _, obj := range objs {
		if err := pods.Delete(ctx, obj.GetObjectMeta().Name, nil); err != nil && !client.IsNotFound(err) {
			return err
		}
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if objs, _, err := pods.List(ctx, client.ListOptions{}); err == nil && len(objs) == 0 {
			return nil
		}
	}
	return errors.New("pods were still there a minute after their delete")
}

// sweep removes what the node left: its containers and pod directories,
// then, with network, its network.
func sweep(rt *docker.Runtime, node string, withNetwork bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := rt.ListContainers(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "podbench: sweep:", err)
	}
	for _, c := range cs {
		rt.RemoveContainer(ctx, c.ID)
		rt.RemovePodDirs(c.PodUID)
	}
	if len(cs) > 0 && withNetwork {
		fmt.Fprintf(os.Stderr, "podbench: removed %d containers the kubelet left\n", len(cs))
	}
	if !withNetwork {
		return
	}
	n, err := network.New(network.Config{NodeName: node, PodCIDR: clusterCIDR, ClusterCIDR: clusterCIDR, Bridge: bridge})
	if err != nil {
		fmt.Fprintln(os.Stderr, "podbench: sweep:", err)
		return
	}
	defer n.Close()
	if err := n.Cleanup(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "podbench: network cleanup:", err)
	}
}

// rss is a process's resident memory in bytes, from /proc.
func rss(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func report(round int, what string, lat []time.Duration) {
	fmt.Printf("  round %d  %-32s p50 %6s  slowest %6s\n", round+1, what,
		percentile(lat, 50).Round(time.Millisecond), percentile(lat, 100).Round(time.Millisecond))
}

func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}

func resource(name string) api.Resource {
	r, _ := api.Lookup(name)
	return r
}

func kubeletContainer(pod *api.Pod, sandbox string, c *api.Container) runtime.ContainerConfig {
	return runtime.ContainerConfig{Pod: pod, SandboxID: sandbox, Container: c}
}
