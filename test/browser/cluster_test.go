package browser

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/apiserver"
	"kubelab/pkg/auth"
	"kubelab/pkg/client"
	"kubelab/pkg/controller/manager"
	"kubelab/pkg/controller/podgc"
	"kubelab/pkg/dashboard"
	"kubelab/pkg/kubelet"
	"kubelab/pkg/pki"
	"kubelab/pkg/scheduler"
)

// cluster is a whole kubelab cluster in the test's process, on free
// loopback ports: the apiserver as its program runs it (embedded etcd,
// HTTPS, client certificates and ServiceAccount tokens, RBAC), the
// scheduler, the controller manager and simulated nodes (kubelets with the
// fake runtime), each under its own identity from a PKI made for the test.
type cluster struct {
	tb     testing.TB
	dir    string
	server string         // https://127.0.0.1:port
	admin  *client.Client // kubernetes-admin, no rate limit
	nodes  []string

	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
	errs chan error // a component that stopped before the test ended
}

// startCluster starts a cluster of nodes simulated nodes and waits until
// they are Ready. Everything stops, and its files go, when the test ends.
func startCluster(tb testing.TB, nodes int) *cluster {
	tb.Helper()
	cl := &cluster{tb: tb, dir: tb.TempDir(), errs: make(chan error, nodes+4)}
	if _, err := pki.Init(cl.dir, pki.InitOptions{Server: "https://127.0.0.1:6443"}); err != nil {
		tb.Fatalf("the cluster's PKI: %v", err)
	}
	cl.ctx, cl.stop = context.WithCancel(context.Background())
	tb.Cleanup(func() { cl.stop(); cl.wg.Wait() }) // before TempDir's own cleanup removes the files

	addr := freeAddr(tb)
	cl.server = "https://" + addr
	cl.run("apiserver", func(ctx context.Context) error {
		return apiserver.RunOptions(ctx, apiserver.Options{Listen: addr, DataDir: cl.path("etcd"), LogLevel: "error",
			TLSCertFile: cl.path(pki.APIServerCertFile), TLSPrivateKeyFile: cl.path(pki.APIServerKeyFile),
			ClientCAFile:             cl.path(pki.CACertFile),
			KubeletClientCertificate: cl.path(pki.APIServerKubeletClientCertFile), KubeletClientKey: cl.path(pki.APIServerKubeletClientKeyFile),
			KubeletCertificateAuthority:  cl.path(pki.CACertFile),
			ServiceAccountSigningKeyFile: cl.path(pki.ServiceAccountKeyFile)})
	})
	cl.admin = cl.client(pki.AdminKubeconfig)
	cl.eventually(30*time.Second, "the apiserver to answer", func() bool {
		_, _, err := cl.admin.Resource(mustLookup("namespaces")).List(cl.ctx, client.ListOptions{})
		return err == nil
	})

	cl.run("scheduler", func(ctx context.Context) error {
		return scheduler.Run(ctx, scheduler.Options{Kubeconfig: cl.path(pki.SchedulerKubeconfig), Server: cl.server,
			SchedulerName: api.DefaultSchedulerName, Parallelism: 16, QPS: 200, Burst: 400, RecordDecisions: true, Logger: zap.NewNop()})
	})
	// The controller publishes the CA as kube-root-ca.crt, which every
	// pod's ServiceAccount volume holds.
	ca, err := os.ReadFile(cl.path(pki.CACertFile))
	if err != nil {
		tb.Fatal(err)
	}
	cl.run("controller manager", func(ctx context.Context) error {
		return manager.Run(ctx, manager.Options{Kubeconfig: cl.path(pki.ControllerManagerKubeconfig), Server: cl.server,
			QPS: 100, Burst: 200, Workers: 5, NodeGracePeriod: 40 * time.Second, EvictionTimeout: 5 * time.Minute,
			PodGCQuarantine: 40 * time.Second, TerminatedPodGCThreshold: podgc.DefaultTerminatedThreshold, RootCA: ca,
			Logger: zap.NewNop()})
	})
	for i := range nodes {
		cl.addNode(fmt.Sprintf("sim-%d", i+1))
	}
	cl.eventually(60*time.Second, fmt.Sprintf("%d Ready nodes", nodes), func() bool { return cl.readyNodes() == nodes })
	return cl
}

// addNode starts a simulated node: a kubelet with the fake runtime, as
// system:node:<name>.
func (cl *cluster) addNode(name string) {
	kc := cl.path("kubelet-" + name + ".conf")
	if err := pki.WriteUserKubeconfig(cl.dir, cl.server, auth.NodeUserPrefix+name, []string{auth.GroupNodes}, kc); err != nil {
		cl.tb.Fatal(err)
	}
	cl.nodes = append(cl.nodes, name)
	cl.run("kubelet "+name, func(ctx context.Context) error {
		return kubelet.Run(ctx, kubelet.Options{Kubeconfig: kc, Server: cl.server, NodeName: name, RuntimeName: "fake",
			Port: -1, RootDir: cl.path(name), CPU: "4", Memory: "8Gi", MaxPods: 110, Heartbeat: 2 * time.Second,
			QPS: 50, Burst: 100, Logger: zap.NewNop()})
	})
}

// startDashboard runs the dashboard in the test's process as its own user,
// bound to its ClusterRole, and returns its address.
func (cl *cluster) startDashboard() string {
	cl.applyDashboardRBAC()
	kc := cl.dashboardKubeconfig()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cl.tb.Fatal(err)
	}
	cl.run("dashboard", func(ctx context.Context) error {
		return dashboard.Run(ctx, dashboard.Options{Kubeconfig: kc, Server: cl.server, Listener: ln, QPS: 20, Burst: 40, Logger: zap.NewNop()})
	})
	return "http://" + ln.Addr().String()
}

// applyDashboardRBAC creates the dashboard's ClusterRole and binding, as
// make up does with `dashboard rbac | kctl apply -f -`.
func (cl *cluster) applyDashboardRBAC() {
	docs, err := api.SplitDocuments(dashboard.RBACManifest)
	if err != nil {
		cl.tb.Fatal(err)
	}
	for _, doc := range docs {
		obj, _, _, err := api.Decode(doc)
		if err != nil {
			cl.tb.Fatal(err)
		}
		if _, err := cl.admin.For(obj).Create(cl.ctx, obj); err != nil && !client.IsAlreadyExists(err) {
			cl.tb.Fatal(err)
		}
	}
}

// dashboardKubeconfig writes the dashboard's kubeconfig, as make up does
// with kubeadm kubeconfig user, and returns its path.
func (cl *cluster) dashboardKubeconfig() string {
	kc := cl.path("dashboard.conf")
	if err := pki.WriteUserKubeconfig(cl.dir, cl.server, dashboard.UserName, nil, kc); err != nil {
		cl.tb.Fatal(err)
	}
	return kc
}

// run runs a component until the test ends; one that stops before is
// reported to eventually.
func (cl *cluster) run(name string, fn func(ctx context.Context) error) {
	cl.wg.Go(func() {
		err := fn(cl.ctx)
		if cl.ctx.Err() == nil {
			cl.errs <- fmt.Errorf("%s stopped: %v", name, err)
		}
	})
}

func (cl *cluster) path(name string) string { return filepath.Join(cl.dir, name) }

// client is a REST client, without rate limit, as the user of one of the
// PKI's kubeconfigs.
func (cl *cluster) client(kubeconfig string) *client.Client {
	cfg, err := client.Load(cl.path(kubeconfig), cl.server)
	if err != nil {
		cl.tb.Fatal(err)
	}
	cfg.QPS, cfg.Burst = -1, -1
	c, err := client.New(cfg)
	if err != nil {
		cl.tb.Fatal(err)
	}
	return c
}

func (cl *cluster) readyNodes() int {
	objs, _, err := cl.admin.Resource(mustLookup("nodes")).List(cl.ctx, client.ListOptions{})
	if err != nil {
		return 0
	}
	n := 0
	for _, o := range objs {
		for _, c := range o.(*api.Node).Status.Conditions {
			if c.Type == api.NodeReady && c.Status == api.ConditionTrue {
				n++
			}
		}
	}
	return n
}

// eventually polls cond until it holds, failing the test after timeout or
// when a component stops.
func (cl *cluster) eventually(timeout time.Duration, what string, cond func() bool) {
	cl.tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		select {
		case err := <-cl.errs:
			cl.tb.Fatalf("waiting for %s: %v", what, err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cl.tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

// serviceAccountToken makes a ServiceAccount in namespace default, binds
// it to clusterRole there, and returns a token of it: what a viewer signs
// in with (kctl create serviceaccount, create rolebinding, create token).
func (cl *cluster) serviceAccountToken(name, clusterRole string) string {
	cl.tb.Helper()
	ctx := cl.ctx
	sa := &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name}}
	if _, err := cl.admin.For(sa).Create(ctx, sa); err != nil && !client.IsAlreadyExists(err) {
		cl.tb.Fatal(err)
	}
	rb := &api.RoleBinding{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name + "-" + clusterRole},
		RoleRef:  api.RoleRef{APIGroup: api.RBACGroup, Kind: "ClusterRole", Name: clusterRole},
		Subjects: []api.Subject{{Kind: api.SubjectServiceAccount, Namespace: "default", Name: name}}}
	if _, err := cl.admin.For(rb).Create(ctx, rb); err != nil && !client.IsAlreadyExists(err) {
		cl.tb.Fatal(err)
	}
	var tr api.TokenRequest
	req := &api.TokenRequest{TypeMeta: api.TypeMeta{APIVersion: api.AuthenticationGroup + "/v1", Kind: "TokenRequest"}}
	if err := cl.admin.Resource(mustLookup("serviceaccounts")).Namespace("default").Subresource(ctx, "POST", name, "token", req, &tr); err != nil {
		cl.tb.Fatalf("a token for %s: %v", name, err)
	}
	return tr.Status.Token
}

// pods lists the pods of namespace ns matching selector.
func (cl *cluster) pods(ns, selector string) []*api.Pod {
	objs, _, err := cl.admin.Resource(mustLookup("pods")).Namespace(ns).List(cl.ctx, client.ListOptions{LabelSelector: selector})
	if err != nil {
		cl.tb.Fatal(err)
	}
	return client.ListOf[*api.Pod](staticList(objs))
}

type staticList []api.Object

func (l staticList) List() []api.Object { return l }

func mustLookup(name string) api.Resource {
	r, ok := api.Lookup(name)
	if !ok {
		panic("no resource " + name)
	}
	return r
}

// freeAddr is a free loopback address.
func freeAddr(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// replicaSet is a ReplicaSet of kubia pods that request a little cpu and
// memory, so that the map's bars move.
func replicaSet(ns, name string, replicas int32) *api.ReplicaSet {
	labels := map[string]string{"app": name}
	return &api.ReplicaSet{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns},
		Spec: api.ReplicaSetSpec{Replicas: api.Int32(replicas), Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "kubia", Image: "kubelab/kubia:latest",
					Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080}},
					Resources: api.ResourceRequirements{Requests: api.ResourceList{
						"cpu": api.MustParse("250m"), "memory": api.MustParse("128Mi")}}}}}}},
	}
}
