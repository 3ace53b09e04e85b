package kubelet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kubelet/runtime"
)

// Kubelet is the node agent of one node. Make it with New, start it with
// Run.
type Kubelet struct {
	opts    Options
	log     *zap.Logger
	client  *client.Client
	runtime runtime.Runtime
	reg     *prometheus.Registry
	metrics *metrics
	hostIP  string

	serving *servingCert // the serving certificate the kubelet asks for; nil: none, or TLSCertFile

	mu   sync.Mutex
	addr string    // where the server listens, once it does
	pods podLister // the pods bound here, once the informer synced
}

// Run makes a kubelet with opts and runs it until ctx is done. With
// opts.Cleanup it removes what the node's Docker kubelet left instead
// (cleanup.go); with opts.BootstrapToken it first joins the cluster, to
// get the kubeconfig New reads (bootstrap.go).
func Run(ctx context.Context, opts Options) error {
	if opts.Cleanup {
		return cleanup(ctx, opts)
	}
	if opts.BootstrapToken != "" {
		if err := joinCluster(ctx, &opts); err != nil { // bootstrap.go
			return err
		}
	}
	k, err := New(opts)
	if err != nil {
		return err
	}
	return k.Run(ctx)
}

// New checks opts, fills in defaults and builds the kubelet's parts. It
// talks to nothing yet but the Docker Engine of a Docker node, so that a
// kubelet without Docker stops at once.
func New(opts Options) (*Kubelet, error) {
	if err := opts.Complete(); err != nil {
		return nil, err
	}
	log, err := opts.logger()
	if err != nil {
		return nil, err
	}
	if opts.Runtime == nil && opts.RuntimeName == "docker" {
		if err := useDocker(&opts, log); err != nil { // dockernode.go
			return nil, err
		}
	}
	rt := opts.Runtime
	switch {
	case rt != nil:
	case opts.RuntimeName == "fake":
		rt = NewFakeRuntime(opts.NodeName, nil)
	default:
		return nil, fmt.Errorf("--runtime %q: must be fake or docker", opts.RuntimeName)
	}
	c := opts.Client
	var clusterCAs *x509.CertPool // the kubeconfig's CA, the default for the callers' certificates
	if c == nil {
		cc, err := client.Load(opts.Kubeconfig, opts.Server)
		if err != nil {
			return nil, err
		}
		if cc.TLS != nil {
			clusterCAs = cc.TLS.RootCAs
		}
		cc.QPS, cc.Burst, cc.UserAgent = opts.QPS, opts.Burst, "kubelet/"+opts.NodeName
		if c, err = client.New(cc); err != nil {
			return nil, err
		}
	}
	if opts.TLS == nil {
		if opts.TLS, err = servingTLS(opts.TLSCertFile, opts.TLSPrivateKeyFile, opts.ClientCAFile, clusterCAs); err != nil {
			return nil, err
		}
	}
	var serving *servingCert
	if opts.TLS == nil && opts.BootstrapToken != "" && opts.Port >= 0 { // bootstrap_serving.go
		pool, err := servingClientCAs(opts.ClientCAFile, clusterCAs)
		if err != nil {
			return nil, err
		}
		serving = newServingCert(filepath.Join(opts.RootDir, "pki"), opts.NodeName, log)
		opts.TLS = serving.tlsConfig(pool)
	}
	if opts.TLS == nil && opts.Port >= 0 {
		log.Warn("no --tls-cert-file: serving /healthz and /metrics over plain HTTP, and refusing pods' logs and exec")
	}
	if _, ok := rt.(runtime.SandboxPIDer); opts.NewNetwork != nil && !ok {
		return nil, fmt.Errorf("a pod network needs a runtime that tells a sandbox's PID; %T does not", rt)
	}
	hostIP, why, err := chooseNodeIP(opts.NodeIP, opts.Iface, isFake(rt))
	if err != nil {
		return nil, err
	}
	log.Info("chose the node's address", zap.String("internalIP", hostIP), zap.String("why", why))
	reg := prometheus.NewRegistry()
	return &Kubelet{opts: opts, log: log, client: c, runtime: rt, reg: reg, metrics: newMetrics(reg), hostIP: hostIP, serving: serving}, nil
}

func isFake(rt runtime.Runtime) bool {
	_, ok := rt.(*FakeRuntime)
	return ok
}

// NodeName is the name of this kubelet's Node.
func (k *Kubelet) NodeName() string { return k.opts.NodeName }

// Runtime is the kubelet's container runtime: a test of a simulated node
// takes the *FakeRuntime from here to make containers exit.
func (k *Kubelet) Runtime() runtime.Runtime { return k.runtime }

// Addr is where /healthz and /metrics are served, once Run listens ("" before).
func (k *Kubelet) Addr() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.addr
}

// Run starts the node agent and blocks until ctx is done:
//
//  1. serve /healthz and /metrics;
//  2. register the Node and wait for its pod CIDR;
//  3. watch the pods bound to this node;
//  4. clean up what an earlier run left behind: containers of pods that
//     are gone, IPs of pods that are gone;
//  5. sync pods, relist the runtime, heartbeat, until stopped.
//
// Containers keep running when the kubelet stops: a new kubelet adopts
// them. Stopping (ctx done) is not an error.
func (k *Kubelet) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup // every goroutine Run starts
	defer func() { cancel(); wg.Wait() }()

	err := k.run(ctx, &wg)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (k *Kubelet) run(ctx context.Context, wg *sync.WaitGroup) error {
	version, err := k.runtime.Version(ctx)
	if err != nil {
		return fmt.Errorf("the container runtime: %w", err)
	}
	port, err := k.serve(ctx, wg)
	if err != nil {
		return err
	}
	agent, err := k.nodeAgent(version, port)
	if err != nil {
		return err
	}
	node, err := agent.registerUntilDone(ctx)
	if err != nil {
		return err
	}
	if k.serving != nil {
		wg.Go(func() {
			k.serving.run(ctx, csrClient{c: k.client, poll: time.Second, timeout: csrTimeout, log: k.log}, k.hostIP)
		})
	}
	if node, err = agent.waitForPodCIDR(ctx, node); err != nil {
		return err
	}
	ipam, err := NewIPAM(filepath.Join(k.opts.RootDir, "ipam"), node.Spec.PodCIDR)
	if err != nil {
		return err
	}
	var network runtime.PodNetwork
	if k.opts.NewNetwork != nil {
		if network, err = k.opts.NewNetwork(ipam.CIDR(), k.hostIP); err != nil {
			return fmt.Errorf("pod network: %w", err)
		}
		if c, ok := network.(io.Closer); ok {
			defer c.Close()
		}
		if err := initNetwork(ctx, network, k.log); err != nil {
			return err
		}
	}
	k.log.Info("node ready", zap.String("podCIDR", ipam.CIDR()), zap.String("gateway", ipam.Gateway()),
		zap.String("runtime", version), zap.String("stateDir", k.opts.RootDir), zap.Bool("podNetwork", network != nil))
	wg.Go(func() {
		agent.run(ctx, node, k.opts.Heartbeat, func(n *api.Node) {
			if n.Spec.PodCIDR != ipam.CIDR() {
				k.log.Error("the node's pod CIDR changed; restart the kubelet to use it",
					zap.String("podCIDR", n.Spec.PodCIDR), zap.String("using", ipam.CIDR()))
			}
		})
	})
	if network != nil {
		k.syncRoutes(ctx, wg, network)
	}
	return k.runPods(ctx, wg, node, ipam, network)
}

// syncRoutes keeps routes to every other node's pod CIDR, from an informer
// of all Nodes.
func (k *Kubelet) syncRoutes(ctx context.Context, wg *sync.WaitGroup, network runtime.PodNetwork) {
	nodesResource, _ := api.Lookup("nodes")
	nodes := client.NewInformer(k.client.Resource(nodesResource), client.ListOptions{}, k.log)
	rs := newRouteSyncer(network, nodes, k.opts.NodeName, k.opts.ResyncPeriod, k.log)
	nodes.AddHandler(client.Handler{
		OnAdd:    rs.changed,
		OnUpdate: func(_, obj api.Object) { rs.changed(obj) },
		OnDelete: rs.changed,
	})
	wg.Go(func() { nodes.Run(ctx) })
	wg.Go(func() { rs.run(ctx) })
}

// serve starts the HTTP server, unless Port is negative, and returns the
// port it listens on (0 for none).
func (k *Kubelet) serve(ctx context.Context, wg *sync.WaitGroup) (int32, error) {
	if k.opts.Port < 0 {
		return 0, nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort(k.opts.Address, strconv.Itoa(k.opts.Port)))
	if err != nil {
		return 0, fmt.Errorf("listen: %w", err)
	}
	k.mu.Lock()
	k.addr = l.Addr().String()
	k.mu.Unlock()
	streams := &streamServer{node: k.opts.NodeName, runtime: k.runtime, pods: k.podLister, log: k.log}
	streams.streams, _ = k.runtime.(runtime.LogsExecer)
	h := authorizeCallers(handler(k.reg, streams), k.opts.TLS != nil)
	if k.opts.TLS != nil {
		l = tls.NewListener(l, k.opts.TLS)
	}
	wg.Go(func() {
		if err := serve(ctx, l, h, k.log); err != nil {
			k.log.Error("the HTTP server stopped", zap.Error(err))
		}
	})
	return int32(l.Addr().(*net.TCPAddr).Port), nil
}

// nodeAgent gathers what the Node will say about this machine.
func (k *Kubelet) nodeAgent(runtimeVersion string, port int32) (*nodeAgent, error) {
	capacity, err := capacity(k.opts.CPU, k.opts.Memory, k.opts.MaxPods)
	if err != nil {
		return nil, err
	}
	return &nodeAgent{
		api:         clientAPI{c: k.client},
		lease:       &nodeLease{api: clientAPI{c: k.client}, node: k.opts.NodeName, now: time.Now},
		reportEvery: k.opts.NodeStatusReportFrequency,
		facts: nodeFacts{
			name:       k.opts.NodeName,
			labels:     nodeLabels(k.opts.NodeName, goruntime.GOOS, goruntime.GOARCH, k.opts.NodeLabels),
			capacity:   capacity,
			internalIP: k.hostIP,
			hostname:   k.opts.NodeName,
			port:       port,
			info:       systemInfo(runtimeVersion),

			annotations: map[string]string{api.LocalPathDirAnnotation: k.opts.LocalPathDir},
		},
		now:  time.Now,
		log:  k.log,
		poll: time.Second,
	}, nil
}

// podLister is the cache of pods bound here, or nil before it synced.
func (k *Kubelet) podLister() podLister {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.pods
}

// runPods watches the pods bound to this node and runs the pod workers,
// the relister and the resync until ctx is done.
func (k *Kubelet) runPods(ctx context.Context, wg *sync.WaitGroup, node *api.Node, ipam *IPAM, network runtime.PodNetwork) error {
	events := client.NewRecorder(k.client, "kubelet", k.opts.NodeName, k.log)
	events.Run(ctx)
	events.Eventf(node, api.EventNormal, "Starting", "Starting kubelet.")
	k.reclaimLocalPaths(ctx, wg, events) // localpath.go

	services := k.watchAPIService(ctx, wg)
	podsResource, _ := api.Lookup("pods")
	pods := client.NewInformer(k.client.Resource(podsResource),
		client.ListOptions{FieldSelector: "spec.nodeName=" + k.opts.NodeName}, k.log)
	queue := client.NewQueue("pods")
	enqueue := func(obj api.Object) { queue.Add(client.KeyOf(obj)) }
	pods.AddHandler(client.Handler{
		OnAdd:    enqueue,
		OnUpdate: func(_, obj api.Object) { enqueue(obj) },
		OnDelete: enqueue,
	})
	wg.Go(func() { pods.Run(ctx) })
	if !pods.WaitForSync(ctx) {
		return ctx.Err()
	}
	if err := releaseStaleIPs(ctx, k.runtime, pods, ipam, k.log); err != nil {
		return err
	}
	// A container started before the Service is known would miss
	// KUBERNETES_SERVICE_HOST: wait for it a little, not for ever (an
	// apiserver that cannot list it is no reason to start no pod).
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	if !services.WaitForSync(sctx) && ctx.Err() == nil {
		k.log.Warn("the kubernetes Service is not known yet; containers start without KUBERNETES_SERVICE_HOST until it is")
	}
	cancel()

	k.mu.Lock()
	k.pods = pods
	k.mu.Unlock()

	workers := newPodWorkers(&podWorkers{
		hostIP: k.hostIP, runtime: k.runtime, pods: pods, api: clientAPI{c: k.client},
		events: events, ipam: ipam, metrics: k.metrics, log: k.log, requeue: queue.AddAfter,
		network: network, services: services, config: clientAPI{c: k.client}, allocatable: node.Status.Allocatable,
		volumes: newProjectedVolumes(filepath.Join(k.opts.RootDir, "pods"), clientAPI{c: k.client}, events, time.Now, k.opts.SyncFrequency, k.log),
		dns: &podDNS{node: DNSSettings{ClusterDNS: k.opts.ClusterDNS, ClusterDomain: k.opts.ClusterDomain, ResolvConf: k.opts.ResolvConf},
			readFile: os.ReadFile, log: k.log},
		hostVolumes: newHostVolumes(clientAPI{c: k.client}, hostPathPreparer(k.runtime), events, time.Now),
	})
	if network != nil {
		workers.sandboxPID = k.runtime.(runtime.SandboxPIDer).SandboxPID
	}
	workers.podDirs, _ = k.runtime.(runtime.PodDirRemover)
	workers.volumes.allocatable = node.Status.Allocatable
	workers.volumes.tmpfs, _ = k.runtime.(runtime.TmpfsMounter)
	if !isFake(k.runtime) {
		// The fake runtime's containers have no processes to probe: its
		// pods are ready as soon as they run.
		exec, _ := k.runtime.(runtime.LogsExecer)
		p := newProber(exec)
		workers.probes = newProbeManager(ctx, p.check, events, queue.Add, k.log)
		workers.hooks = p.runHook
	}
	// The first relist queues every pod that has containers, among them
	// those the API no longer has: their sync removes them.
	rl := &relister{runtime: k.runtime, queue: queue, metrics: k.metrics, log: k.log}
	wg.Go(func() { every(ctx, k.opts.RelistPeriod, rl.relist) })
	wg.Go(func() {
		every(ctx, k.opts.ResyncPeriod, func(context.Context) {
			for _, obj := range pods.List() {
				enqueue(obj)
			}
		})
	})
	client.RunWorkers(ctx, queue, k.opts.Workers, workers.sync, k.log)
	return nil
}

// watchAPIService starts an informer of the one Service every container
// hears about: kubernetes, in namespace default. The informer lists again
// after an apiserver restart, and follows the Service when it is deleted
// and made again.
func (k *Kubelet) watchAPIService(ctx context.Context, wg *sync.WaitGroup) *client.Informer {
	servicesResource, _ := api.Lookup("services")
	services := client.NewInformer(k.client.Resource(servicesResource).Namespace("default"),
		client.ListOptions{FieldSelector: "metadata.name=" + kubernetesService}, k.log)
	wg.Go(func() { services.Run(ctx) })
	return services
}

// releaseStaleIPs frees the addresses held for pods that have neither an
// API object nor containers any more: they were deleted while the kubelet
// was down.
func releaseStaleIPs(ctx context.Context, rt runtime.Runtime, pods podLister, ipam *IPAM, log *zap.Logger) error {
	cs, err := rt.ListContainers(ctx)
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	live := map[string]bool{}
	for _, c := range cs {
		live[c.PodUID] = true
	}
	for _, obj := range pods.List() {
		live[obj.GetObjectMeta().UID] = true
	}
	for uid, ip := range ipam.Allocated() {
		if !live[uid] {
			log.Info("releasing the IP of a pod that is gone", zap.String("uid", uid), zap.String("ip", ip))
			if err := ipam.Release(uid); err != nil {
				return err
			}
		}
	}
	return nil
}

// every calls fn at once and then every period until ctx is done.
func every(ctx context.Context, period time.Duration, fn func(context.Context)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
