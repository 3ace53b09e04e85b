package auth

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// fakeGraph is a NodeGraph over a list of pods.
type fakeGraph []*api.Pod

var _ NodeGraph = fakeGraph(nil)

func (g fakeGraph) PodsOnNode(node string) []*api.Pod {
	var out []*api.Pod
	for _, p := range g {
		if p.Spec.NodeName == node {
			out = append(out, p)
		}
	}
	return out
}

func (g fakeGraph) Pod(namespace, name string) (*api.Pod, bool) {
	for _, p := range g {
		if p.Namespace == namespace && p.Name == name {
			return p, true
		}
	}
	return nil, false
}

func testPod(namespace, name, node string, spec func(*api.PodSpec)) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: namespace, Name: name}, Spec: api.PodSpec{NodeName: node}}
	if spec != nil {
		spec(&p.Spec)
	}
	return p
}

func nodeUser(name string) *User {
	return &User{Name: NodeUserPrefix + name, Groups: []string{GroupNodes, GroupAuthenticated}}
}

// nodeFixture: node a runs web (a Secret volume, a ConfigMap by env, a
// Secret and a ConfigMap by envFrom, account "builder") and plain
// (account "default"); node b runs db (a Secret by env); pending is bound
// to no node.
func nodeFixture() fakeGraph {
	return fakeGraph{
		testPod("ns", "web", "a", func(s *api.PodSpec) {
			s.ServiceAccountName = "builder"
			s.Volumes = []api.Volume{{Name: "tls", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "web-tls"}}}}
			s.Containers = []api.Container{{Name: "c", Env: []api.EnvVar{
				{Name: "MODE", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.KeySelector{Name: "web-config", Key: "mode"}}},
			}, EnvFrom: []api.EnvFromSource{
				{SecretRef: &api.SecretEnvSource{Name: "web-env"}},
				{Prefix: "FLAGS_", ConfigMapRef: &api.ConfigMapEnvSource{Name: "web-flags"}},
			}}}
		}),
		testPod("ns", "plain", "a", nil),
		testPod("ns", "db", "b", func(s *api.PodSpec) {
			s.Containers = []api.Container{{Name: "c", Env: []api.EnvVar{
				{Name: "PASSWORD", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "db-password", Key: "p"}}},
			}}}
		}),
		testPod("ns", "pending", "", nil),
	}
}

func TestNodeAuthorizer(t *testing.T) {
	a := nodeUser("a")
	tests := []struct {
		name   string
		attrs  Attributes
		want   Decision
		reason string // for NoOpinion
	}{
		{"not a node", req(&User{Name: "jane"}, "get", "secrets", "ns", "web-tls"), NoOpinion, ""},
		{"node name without the group", req(&User{Name: "system:node:a"}, "get", "nodes", "", "a"), NoOpinion, ""},

		{"read any node", req(a, "get", "nodes", "", "b"), Allow, ""},
		{"watch nodes", req(a, "watch", "nodes", "", ""), Allow, ""},
		{"register (the name is checked at admission)", req(a, "create", "nodes", "", ""), Allow, ""},
		{"update its own node", req(a, "update", "nodes", "", "a"), Allow, ""},
		{"update its own status", req(a, "update", "nodes/status", "", "a"), Allow, ""},
		{"patch its own status", req(a, "patch", "nodes/status", "", "a"), Allow, ""},
		{"update another node", req(a, "update", "nodes", "", "b"), NoOpinion,
			`node "a" may not update node "b": a node may only change its own Node`},
		{"update another node's status", req(a, "update", "nodes/status", "", "b"), NoOpinion,
			`node "a" may not update status of node "b": a node may only change its own Node`},
		{"delete its own node", req(a, "delete", "nodes", "", "a"), NoOpinion,
			`node "a" may not delete node "a": the system:node role does not allow it`},

		{"list pods", req(a, "list", "pods", "", ""), Allow, ""},
		{"get a pod of another node", req(a, "get", "pods", "ns", "db"), Allow, ""},
		{"update the status of its pod", req(a, "update", "pods/status", "ns", "web"), Allow, ""},
		{"delete its pod", req(a, "delete", "pods", "ns", "web"), Allow, ""},
		{"patch the status of a pod of b", req(a, "patch", "pods/status", "ns", "db"), NoOpinion,
			`node "a" may not patch status of pod "ns/db": the pod is not bound to it`},
		{"delete a pod of b", req(a, "delete", "pods", "ns", "db"), NoOpinion,
			`node "a" may not delete pod "ns/db": the pod is not bound to it`},
		{"status of a pending pod", req(a, "update", "pods/status", "ns", "pending"), NoOpinion,
			`node "a" may not update status of pod "ns/pending": the pod is not bound to it`},
		// A pod that does not exist: the request goes on to its 404.
		{"status of a pod that does not exist", req(a, "update", "pods/status", "ns", "ghost"), Allow, `Node: allowed for node "a"`},
		{"delete a pod that is gone", req(a, "delete", "pods", "ns", "ghost"), Allow, `Node: allowed for node "a"`},
		{"create a pod", req(a, "create", "pods", "ns", ""), NoOpinion,
			`node "a" may not create pods in namespace "ns": the system:node role does not allow it`},
		{"exec in a pod", req(a, "create", "pods/exec", "ns", "web"), NoOpinion, ""},

		{"a Secret its pod mounts", req(a, "get", "secrets", "ns", "web-tls"), Allow, ""},
		{"a ConfigMap its pod reads", req(a, "get", "configmaps", "ns", "web-config"), Allow, ""},
		{"a Secret only b's pod uses", req(a, "get", "secrets", "ns", "db-password"), NoOpinion,
			`node "a" may not get secret "ns/db-password": no pod bound to it uses it`},
		{"the same name in another namespace", req(a, "get", "secrets", "other", "web-tls"), NoOpinion,
			`node "a" may not get secret "other/web-tls": no pod bound to it uses it`},
		{"a ConfigMap named like its Secret", req(a, "get", "configmaps", "ns", "web-tls"), NoOpinion, ""},
		{"a Secret its pod takes all keys of", req(a, "get", "secrets", "ns", "web-env"), Allow, ""},
		{"a ConfigMap its pod takes all keys of", req(a, "get", "configmaps", "ns", "web-flags"), Allow, ""},
		{"a Secret named like its envFrom ConfigMap", req(a, "get", "secrets", "ns", "web-flags"), NoOpinion,
			`node "a" may not get secret "ns/web-flags": no pod bound to it uses it`},
		{"list Secrets", req(a, "list", "secrets", "ns", ""), NoOpinion,
			`node "a" may not list secrets in namespace "ns": the system:node role does not allow it`},
		{"write a Secret it may read", req(a, "update", "secrets", "ns", "web-tls"), NoOpinion, ""},

		{"token for its pod's account", req(a, "create", "serviceaccounts/token", "ns", "builder"), Allow, ""},
		{"token for the default account", req(a, "create", "serviceaccounts/token", "ns", "default"), Allow, ""},
		{"token for another account", req(a, "create", "serviceaccounts/token", "ns", "admin"), NoOpinion,
			`node "a" may not create token of serviceaccount "ns/admin": no pod bound to it runs as it`},
		{"read a ServiceAccount", req(a, "get", "serviceaccounts", "ns", "builder"), NoOpinion, ""},

		{"create its Lease (the name is checked at admission)", req(a, "create", "leases.coordination.k8s.io", "kube-node-lease", ""), Allow, ""},
		{"get its Lease", req(a, "get", "leases.coordination.k8s.io", "kube-node-lease", "a"), Allow, ""},
		{"renew its Lease", req(a, "update", "leases.coordination.k8s.io", "kube-node-lease", "a"), Allow, ""},
		{"renew b's Lease", req(a, "update", "leases.coordination.k8s.io", "kube-node-lease", "b"), NoOpinion,
			`node "a" may not update lease "kube-node-lease/b": can only access node lease with the same name as the requesting node`},
		{"read b's Lease", req(a, "get", "leases.coordination.k8s.io", "kube-node-lease", "b"), NoOpinion, ""},
		{"list the Leases", req(a, "list", "leases.coordination.k8s.io", "kube-node-lease", ""), NoOpinion, ""},
		{"a leader Lease", req(a, "update", "leases.coordination.k8s.io", "kube-system", "kube-scheduler"), NoOpinion,
			`node "a" may not update lease "kube-system/kube-scheduler": can only access leases in the "kube-node-lease" system namespace`},
		{"create a Lease elsewhere", req(a, "create", "leases.coordination.k8s.io", "kube-system", ""), NoOpinion, ""},

		{"read services", req(a, "list", "services", "default", ""), Allow, ""},
		{"read endpoints", req(a, "watch", "endpoints", "", ""), Allow, ""},
		{"read endpointslices", req(a, "list", "endpointslices.discovery.k8s.io", "", ""), Allow, ""},
		{"write events", req(a, "create", "events", "ns", ""), Allow, ""},
		{"patch events", req(a, "patch", "events", "ns", "e"), Allow, ""},
		{"write a service", req(a, "update", "services", "ns", "s"), NoOpinion, ""},
		{"read roles", req(a, "list", "roles.rbac.authorization.k8s.io", "", ""), NoOpinion, ""},
		{"a path is RBAC's to decide", pathReq(a, "get", "/api"), NoOpinion,
			`node "a" may not get path "/api": the system:node role does not allow it`},
	}
	z := NewNodeAuthorizer(nodeFixture())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, reason, err := z.Authorize(context.Background(), tt.attrs)
			if err != nil {
				t.Fatal(err)
			}
			if d != tt.want {
				t.Fatalf("decision = %v (%s), want %v", d, reason, tt.want)
			}
			if tt.reason != "" && reason != tt.reason {
				t.Errorf("reason = %s\nwant     %s", reason, tt.reason)
			}
			if d == NoOpinion && tt.attrs.User.InGroup(GroupNodes) && !strings.HasPrefix(reason, `node "a" may not `) {
				t.Errorf("a node refused without a reason naming it: %q", reason)
			}
		})
	}
}

func TestNodeName(t *testing.T) {
	tests := []struct {
		name string
		u    *User
		want string // "" for not a node
	}{
		{"a kubelet", nodeUser("worker-1"), "worker-1"},
		{"nil", nil, ""},
		{"not in system:nodes", &User{Name: "system:node:a"}, ""},
		{"in system:nodes, another name", &User{Name: "jane", Groups: []string{GroupNodes}}, ""},
		{"no node name", &User{Name: "system:node:", Groups: []string{GroupNodes}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := NodeName(tt.u)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("NodeName = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

func TestPodReferences(t *testing.T) {
	tests := []struct {
		name                        string
		spec                        func(*api.PodSpec)
		secrets, configMaps, claims []string
	}{
		{"none", func(s *api.PodSpec) {
			s.Volumes = []api.Volume{{Name: "scratch", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}}
			s.Containers = []api.Container{{Name: "c", Env: []api.EnvVar{{Name: "A", Value: "1"}}}}
		}, nil, nil, nil},
		{"volumes", func(s *api.PodSpec) {
			s.Volumes = []api.Volume{
				{Name: "s", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "s1"}}},
				{Name: "c", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{Name: "c1"}}},
				{Name: "d", VolumeSource: api.VolumeSource{PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}},
			}
		}, []string{"s1"}, []string{"c1"}, []string{"data"}},
		{"projected volume sources", func(s *api.PodSpec) {
			s.Volumes = []api.Volume{{Name: "kube-api-access-x7k2q", VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{
				Sources: []api.VolumeProjection{
					{ServiceAccountToken: &api.ServiceAccountTokenProjection{Path: "token"}},
					{ConfigMap: &api.ConfigMapProjection{Name: "kube-root-ca.crt"}},
					{DownwardAPI: &api.DownwardAPIProjection{}},
					{Secret: &api.SecretProjection{Name: "tls"}},
				}}}}}
		}, []string{"tls"}, []string{"kube-root-ca.crt"}, nil},
		{"env of containers and init containers", func(s *api.PodSpec) {
			s.InitContainers = []api.Container{{Name: "i", Env: []api.EnvVar{
				{Name: "A", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "s-init", Key: "k"}}},
			}}}
			s.Containers = []api.Container{{Name: "c", Env: []api.EnvVar{
				{Name: "B", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.KeySelector{Name: "c2", Key: "k"}}},
				{Name: "C", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.KeySelector{Name: "s2", Key: "k"}}},
				{Name: "D", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			}}}
		}, []string{"s-init", "s2"}, []string{"c2"}, nil},
		{"envFrom, and the new volume types", func(s *api.PodSpec) {
			s.Volumes = []api.Volume{{Name: "d", VolumeSource: api.VolumeSource{DownwardAPI: &api.DownwardAPIVolumeSource{}}}}
			s.InitContainers = []api.Container{{Name: "i", EnvFrom: []api.EnvFromSource{{ConfigMapRef: &api.ConfigMapEnvSource{Name: "c-init"}}}}}
			s.Containers = []api.Container{{Name: "c", EnvFrom: []api.EnvFromSource{
				{Prefix: "DB_", SecretRef: &api.SecretEnvSource{Name: "db"}},
				{ConfigMapRef: &api.ConfigMapEnvSource{Name: "settings", Optional: api.Bool(true)}},
			}}}
		}, []string{"db"}, []string{"c-init", "settings"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secrets, configMaps, claims := podReferences(testPod("ns", "p", "a", tt.spec))
			if !slices.Equal(secrets, tt.secrets) || !slices.Equal(configMaps, tt.configMaps) || !slices.Equal(claims, tt.claims) {
				t.Errorf("references = %v %v %v, want %v %v %v", secrets, configMaps, claims, tt.secrets, tt.configMaps, tt.claims)
			}
		})
	}
}

func TestAdmitNodeLease(t *testing.T) {
	lease := func(ns, name string) *api.Lease {
		return &api.Lease{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name}}
	}
	tests := []struct {
		name  string
		u     *User
		lease *api.Lease
		want  string
	}{
		{"its own", nodeUser("a"), lease("kube-node-lease", "a"), ""},
		{"another node's", nodeUser("a"), lease("kube-node-lease", "b"),
			`metadata.name: Forbidden: node "a" can only access node lease with the same name as the requesting node`},
		{"its name in another namespace", nodeUser("a"), lease("default", "a"),
			`metadata.name: Forbidden: node "a" can only access node lease with the same name as the requesting node`},
		{"not a node", &User{Name: "system:kube-scheduler"}, lease("kube-system", "kube-scheduler"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := AdmitNodeLease(tt.u, tt.lease)
			if got := ""; err != nil {
				got = err.Error()
				if got != tt.want {
					t.Fatalf("AdmitNodeLease: %s\nwant %s", got, tt.want)
				}
			} else if tt.want != "" {
				t.Fatalf("AdmitNodeLease: nil, want %s", tt.want)
			}
		})
	}
}

func TestAdmitNode(t *testing.T) {
	a := nodeUser("a")
	node := func(name string, change func(*api.Node)) *api.Node {
		n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
			Spec: api.NodeSpec{PodCIDR: "10.244.1.0/24", PodCIDRs: []string{"10.244.1.0/24"},
				Taints: []api.Taint{{Key: "dedicated", Value: "db", Effect: api.TaintNoSchedule}}}}
		if change != nil {
			change(n)
		}
		return n
	}
	added := api.NewTime(time.Unix(1700000000, 0))
	tests := []struct {
		name     string
		u        *User
		verb     string
		old, new *api.Node
		err      string // "" for allowed
	}{
		{"not a node", &User{Name: "root"}, "update", node("b", nil), node("b", func(n *api.Node) { n.Spec.Taints = nil }), ""},
		{"create its own", a, "create", nil, node("a", nil), ""},
		{"create another", a, "create", nil, node("b", nil),
			`metadata.name: Forbidden: node "a" may not create node "b", only its own`},
		{"update another", a, "update", node("b", nil), node("b", nil),
			`metadata.name: Forbidden: node "a" may not update node "b", only its own`},
		{"delete another", a, "delete", node("b", nil), nil,
			`metadata.name: Forbidden: node "a" may not delete node "b", only its own`},
		{"update its own labels and status", a, "update", node("a", nil), node("a", func(n *api.Node) {
			n.Labels["kubernetes.io/os"] = "linux"
			n.Status.Phase = "Running"
		}), ""},
		{"keep the taints, stamped alike", a, "update",
			node("a", func(n *api.Node) { n.Spec.Taints[0].TimeAdded = &added }),
			node("a", func(n *api.Node) { t := api.NewTime(added.Local()); n.Spec.Taints[0].TimeAdded = &t }), ""},
		{"remove a taint", a, "patch", node("a", nil), node("a", func(n *api.Node) { n.Spec.Taints = nil }),
			`spec.taints: Forbidden: node "a" may not change its taints`},
		{"change a taint's value", a, "update", node("a", nil), node("a", func(n *api.Node) { n.Spec.Taints[0].Value = "web" }),
			`spec.taints: Forbidden: node "a" may not change its taints`},
		{"change its pod CIDR", a, "update", node("a", nil), node("a", func(n *api.Node) {
			n.Spec.PodCIDR, n.Spec.PodCIDRs = "10.244.9.0/24", []string{"10.244.9.0/24"}
		}), `spec.podCIDR: Forbidden: node "a" may not change its pod CIDR once set, ` +
			`spec.podCIDRs: Forbidden: node "a" may not change its pod CIDRs once set`},
		{"pod CIDR not set yet", a, "update", node("a", func(n *api.Node) { n.Spec.PodCIDR, n.Spec.PodCIDRs = "", nil }),
			node("a", nil), ""},
		{"create with a restricted label", a, "create", nil,
			node("a", func(n *api.Node) { n.Labels["node-restriction.kubernetes.io/pci"] = "true" }),
			`metadata.labels[node-restriction.kubernetes.io/pci]: Forbidden: node "a" may not set labels under node-restriction.kubernetes.io/`},
		{"restricted label of a subdomain", a, "update", node("a", nil),
			node("a", func(n *api.Node) { n.Labels["zone.node-restriction.kubernetes.io/x"] = "1" }),
			`metadata.labels[zone.node-restriction.kubernetes.io/x]: Forbidden: node "a" may not set labels under node-restriction.kubernetes.io/`},
		{"remove a restricted label", a, "update",
			node("a", func(n *api.Node) { n.Labels["node-restriction.kubernetes.io/pci"] = "true" }), node("a", nil),
			`metadata.labels[node-restriction.kubernetes.io/pci]: Forbidden: node "a" may not set labels under node-restriction.kubernetes.io/`},
		{"keep a restricted label an admin set", a, "update",
			node("a", func(n *api.Node) { n.Labels["node-restriction.kubernetes.io/pci"] = "true" }),
			node("a", func(n *api.Node) { n.Labels["node-restriction.kubernetes.io/pci"] = "true"; n.Status.Phase = "Running" }), ""},
		{"a label that only looks alike", a, "update", node("a", nil),
			node("a", func(n *api.Node) { n.Labels["node-restriction.kubernetes.io.example.com/x"] = "1" }), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := AdmitNode(tt.u, tt.verb, tt.old, tt.new)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.err {
				t.Errorf("error = %s\nwant    %s", got, tt.err)
			}
		})
	}
}

func TestAdmitPodStatus(t *testing.T) {
	tests := []struct {
		name string
		u    *User
		pod  *api.Pod
		err  string
	}{
		{"its pod", nodeUser("a"), testPod("ns", "web", "a", nil), ""},
		{"not a node", &User{Name: UserKubeControllerManager}, testPod("ns", "db", "b", nil), ""},
		{"a pod of b", nodeUser("a"), testPod("ns", "db", "b", nil),
			`spec.nodeName: Forbidden: node "a" may not write the status of pod "ns/db": it is bound to node "b"`},
		{"a pending pod", nodeUser("a"), testPod("ns", "p", "", nil),
			`spec.nodeName: Forbidden: node "a" may not write the status of pod "ns/p": it is bound to no node`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := AdmitPodStatus(tt.u, tt.pod)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || err.Error() != tt.err) {
				t.Errorf("error = %v\nwant    %s", err, tt.err)
			}
		})
	}
}
