package auth

import (
	"slices"

	"kubelab/pkg/api"
)

// The default policy: the ClusterRoles and ClusterRoleBindings the
// apiserver writes at start, as Kubernetes' bootstrap policy
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy). Without them nobody
// but system:masters could do anything, not even the scheduler.
//
//	cluster-admin                   everything                              Group system:masters
//	admin, edit, view               for people, granted in a namespace      (unbound)
//	system:basic-user               self-reviews: "may I?", "who am I?"     Group system:authenticated
//	system:discovery                /api, /apis, /version, /openapi         Group system:authenticated
//	system:public-info-viewer       /healthz, /livez, /readyz, /version     Group system:authenticated
//	system:kube-scheduler           what pkg/scheduler does                 User system:kube-scheduler
//	system:kube-controller-manager  what pkg/controller/* do                User system:kube-controller-manager
//	system:node-proxier             what pkg/proxy does                     User system:kube-proxy
//	system:kube-dns                 what pkg/dns reads                      ServiceAccount kube-system/kube-dns
//	system:node                     what a kubelet does                     (unbound: the node authorizer serves kubelets)
//	system:node-bootstrapper        send and read CSRs                      Group system:bootstrappers
//	system:certificates.k8s.io:certificatesigningrequests:nodeclient
//	                                a new node's client certificate         Group system:bootstrappers
//	system:certificates.k8s.io:certificatesigningrequests:selfnodeclient
//	                                renew one's own client certificate      Group system:nodes
//
// The roles name kubelab's resources only. Where Kubernetes' role names
// more (leases, deployments, jobs,
// impersonation, serviceaccounts/token, ...), the rule comes when the
// resource does. The proxy and the DNS server may read endpointslices,
// as in Kubernetes, though kubelab's read Endpoints still.

// Labels and annotations of the default objects, as Kubernetes'. A
// reconciler may overwrite an object marked autoupdate with the default
// at every start; kubelab's apiserver creates the missing ones.
const (
	BootstrapLabel       = "kubernetes.io/bootstrapping"
	BootstrapLabelValue  = "rbac-defaults"
	AutoupdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate"
)

// API groups the default roles name.
const (
	groupCore      = ""
	groupApps      = "apps"
	groupEvents    = "events.k8s.io"
	groupDiscovery = "discovery.k8s.io"
)

var (
	read      = []string{"get", "list", "watch"}
	readWrite = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
	write     = []string{"create", "update", "patch", "delete", "deletecollection"}
)

// DefaultClusterRoles returns the default ClusterRoles, fresh at each call.
func DefaultClusterRoles() []*api.ClusterRole {
	view := viewRules()
	edit := slices.Concat(viewRules(), editRules())
	admin := slices.Concat(viewRules(), editRules(), adminRules())
	return []*api.ClusterRole{
		clusterRole("cluster-admin",
			verbs("*").groups("*").resources("*"),
			verbs("*").urls("*"),
		),
		clusterRole("admin", admin...),
		clusterRole("edit", edit...),
		clusterRole("view", view...),
		clusterRole("system:basic-user",
			verbs("create").groups(api.AuthorizationGroup).resources("selfsubjectaccessreviews", "selfsubjectrulesreviews"),
			verbs("create").groups(api.AuthenticationGroup).resources("selfsubjectreviews"),
		),
		clusterRole("system:discovery",
			verbs("get").urls("/api", "/api/*", "/apis", "/apis/*", "/version", "/version/",
				"/openapi", "/openapi/*", "/healthz", "/livez", "/readyz"),
		),
		clusterRole("system:public-info-viewer",
			verbs("get").urls("/healthz", "/livez", "/readyz", "/version", "/version/"),
		),
		clusterRole("system:kube-scheduler", schedulerRules()...),
		clusterRole("system:kube-controller-manager", controllerManagerRules()...),
		clusterRole("system:node-proxier", proxierRules()...),
		clusterRole("system:kube-dns", dnsRules()...),
		clusterRole("system:node", nodeRules()...),
		clusterRole("system:node-bootstrapper",
			verbs("create", "get", "list", "watch").groups(api.CertificatesGroup).resources("certificatesigningrequests"),
		),
		clusterRole(roleNodeClient,
			verbs("create").groups(api.CertificatesGroup).resources("certificatesigningrequests/nodeclient"),
		),
		clusterRole(roleSelfNodeClient,
			verbs("create").groups(api.CertificatesGroup).resources("certificatesigningrequests/selfnodeclient"),
		),
	}
}

// The two roles that say who may have a node's client certificate
// approved. certificatesigningrequests/nodeclient and /selfnodeclient are
// not served: Kubernetes' approver asks, with a SubjectAccessReview,
// whether the requester may create them. kubelab's approver
// (pkg/controller/certificates/approver) decides by the same bindings'
// groups without asking; the roles are here so that a cluster reads as
// Kubernetes' does.
const (
	roleNodeClient     = "system:certificates.k8s.io:certificatesigningrequests:nodeclient"
	roleSelfNodeClient = "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"
)

// DefaultClusterRoleBindings returns the default ClusterRoleBindings,
// each named after its role.
func DefaultClusterRoleBindings() []*api.ClusterRoleBinding {
	return []*api.ClusterRoleBinding{
		clusterRoleBinding("cluster-admin", group(GroupMasters)),
		clusterRoleBinding("system:basic-user", group(GroupAuthenticated)),
		clusterRoleBinding("system:discovery", group(GroupAuthenticated)),
		clusterRoleBinding("system:public-info-viewer", group(GroupAuthenticated)),
		clusterRoleBinding("system:kube-scheduler", user(UserKubeScheduler)),
		clusterRoleBinding("system:kube-controller-manager", user(UserKubeControllerManager)),
		clusterRoleBinding("system:node-proxier", user(UserKubeProxy)),
		clusterRoleBinding("system:kube-dns", api.Subject{Kind: api.SubjectServiceAccount, Name: "kube-dns", Namespace: "kube-system"}),
		clusterRoleBinding("system:node-bootstrapper", group(GroupBootstrappers)),
		clusterRoleBinding(roleNodeClient, group(GroupBootstrappers)),
		clusterRoleBinding(roleSelfNodeClient, group(GroupNodes)),
	}
}

// viewRules read what a namespace holds, but not its Secrets: reading
// a Secret reads a ServiceAccount's credentials, which is more than
// viewing.
func viewRules() []rule {
	return []rule{
		verbs(read...).groups(groupCore).resources("pods", "pods/log", "pods/status",
			"replicationcontrollers", "replicationcontrollers/scale", "replicationcontrollers/status",
			"services", "services/status", "endpoints", "configmaps", "serviceaccounts", "events"),
		// Reading namespaces through a RoleBinding reads that one namespace.
		verbs(read...).groups(groupCore).resources("namespaces", "namespaces/status"),
		verbs(read...).groups(groupApps).resources("daemonsets", "daemonsets/status",
			"replicasets", "replicasets/scale", "replicasets/status"),
		verbs(read...).groups(groupApps).resources("deployments", "deployments/scale", "deployments/status",
			"controllerrevisions"),
		verbs(read...).groups(groupApps).resources("statefulsets", "statefulsets/scale", "statefulsets/status"),
		verbs(read...).groups(api.BatchGroup).resources("jobs", "jobs/status", "cronjobs", "cronjobs/status"),
		verbs(read...).groups(groupCore).resources("persistentvolumeclaims", "persistentvolumeclaims/status"),
		// Read only, in edit and admin too, as Kubernetes' aggregate roles:
		// slices are the controller's to write.
		verbs(read...).groups(groupDiscovery).resources("endpointslices"),
	}
}

// editRules are added to view's: change workloads, services,
// configuration and Secrets, and run commands in pods. Not roles or
// bindings: that is admin's.
func editRules() []rule {
	return []rule{
		verbs(read...).groups(groupCore).resources("secrets", "pods/exec", "pods/attach", "pods/portforward"),
		verbs(write...).groups(groupCore).resources("pods", "pods/exec", "pods/attach", "pods/portforward",
			"replicationcontrollers", "replicationcontrollers/scale",
			"services", "endpoints", "configmaps", "secrets", "serviceaccounts", "events"),
		verbs(write...).groups(groupApps).resources("daemonsets", "replicasets", "replicasets/scale"),
		verbs(write...).groups(groupApps).resources("deployments", "deployments/scale"),
		verbs(write...).groups(groupApps).resources("statefulsets", "statefulsets/scale"),
		verbs(write...).groups(api.BatchGroup).resources("jobs", "cronjobs"),
		verbs(write...).groups(groupCore).resources("persistentvolumeclaims"),
	}
}

// adminRules are added to edit's: grant roles in the namespace. What an
// admin grants is bounded by what it holds (escalation.go).
func adminRules() []rule {
	return []rule{
		verbs(readWrite...).groups(api.RBACGroup).resources("roles", "rolebindings"),
	}
}

// schedulerRules: pkg/scheduler watches pods and nodes, binds pods
// (pods/binding), writes PodScheduled conditions (pods/status) and its
// decision annotation (a patch of the pod), and records events. It reads
// what Kubernetes' scheduler reads for spreading and affinity too, and
// the claims, volumes and classes of VolumeBinding, which writes the
// selected node on claims.
func schedulerRules() []rule {
	return append([]rule{
		verbs(read...).groups(groupCore).resources("pods", "nodes", "namespaces", "services", "replicationcontrollers"),
		verbs(read...).groups(groupApps).resources("replicasets"),
		verbs(read...).groups(groupCore).resources("persistentvolumeclaims", "persistentvolumes"),
		verbs(read...).groups(api.StorageGroup).resources("storageclasses"),
		verbs("patch", "update").groups(groupCore).resources("persistentvolumeclaims"),
		verbs("patch").groups(groupCore).resources("pods"),
		verbs("create").groups(groupCore).resources("pods/binding"),
		verbs("patch", "update").groups(groupCore).resources("pods/status"),
		eventsRule(),
	}, leaderLeaseRules("kube-scheduler")...)
}

// controllerManagerRules: each line names the controllers that need it.
// Kubernetes gives each controller its own ServiceAccount and role;
// kubelab's manager runs them all as one user.
func controllerManagerRules() []rule {
	return append([]rule{
		// The shared informers.
		verbs(read...).groups(groupCore).resources("pods", "replicationcontrollers", "nodes",
			"services", "endpoints", "namespaces", "serviceaccounts"),
		verbs(read...).groups(groupApps).resources("replicasets", "daemonsets"),
		verbs(read...).groups(groupApps).resources("deployments", "controllerrevisions"),
		verbs(read...).groups(api.BatchGroup).resources("jobs", "cronjobs"),
		// replicaset, daemonset: make and remove pods, adopt them (patch);
		// nodelifecycle, podgc: evict and collect them; garbagecollector:
		// owner references and finalizers.
		verbs("create", "delete", "patch").groups(groupCore).resources("pods"),
		verbs("update", "patch").groups(groupCore).resources("pods/status"), // nodelifecycle marks pods not ready
		verbs("update", "patch", "delete").groups(groupCore).resources("replicationcontrollers"),
		verbs("update", "patch").groups(groupCore).resources("replicationcontrollers/status"),
		verbs("update", "patch", "delete").groups(groupApps).resources("replicasets", "daemonsets"),
		verbs("update", "patch").groups(groupApps).resources("replicasets/status", "daemonsets/status"),
		// deployment: roll the template out through ReplicaSets it makes,
		// scales and deletes (history); record the rollout on itself.
		verbs("create").groups(groupApps).resources("replicasets"),
		verbs("update", "patch").groups(groupApps).resources("deployments", "deployments/status"),
		// daemonset, statefulset: keep their templates' history as ControllerRevisions.
		verbs("create", "update", "patch", "delete").groups(groupApps).resources("controllerrevisions"),
		// statefulset: its pods (above), the claims of its pods and their
		// owners (retention policy), its status.
		verbs(read...).groups(groupApps).resources("statefulsets"),
		verbs("update", "patch").groups(groupApps).resources("statefulsets/status"),
		verbs(read...).groups(groupCore).resources("persistentvolumeclaims"),
		verbs("create", "update", "patch").groups(groupCore).resources("persistentvolumeclaims"),
		// pvbinder: bind claims and volumes (spec, status, finalizers),
		// delete released volumes; localpath: make volumes. Both read classes.
		verbs(read...).groups(groupCore).resources("persistentvolumes"),
		verbs("create", "update", "patch", "delete").groups(groupCore).resources("persistentvolumes"),
		verbs("update", "patch").groups(groupCore).resources("persistentvolumeclaims", "persistentvolumeclaims/status", "persistentvolumes/status"),
		verbs(read...).groups(api.StorageGroup).resources("storageclasses"),
		// job: its pods (above), its status; cronjob: its Jobs, its status.
		verbs("update", "patch").groups(api.BatchGroup).resources("jobs", "jobs/status", "cronjobs", "cronjobs/status"),
		verbs("create", "delete").groups(api.BatchGroup).resources("jobs"),
		verbs("create", "update", "delete").groups(groupCore).resources("endpoints"), // endpoints
		verbs(read...).groups(groupDiscovery).resources("endpointslices"),            // endpointslice, garbagecollector
		verbs("create", "update", "delete").groups(groupDiscovery).resources("endpointslices"),
		verbs("update", "patch").groups(groupCore).resources("nodes", "nodes/status"), // nodelifecycle: taints, conditions
		verbs("update").groups(groupCore).resources("namespaces/finalize"),            // namespace deletion
		verbs("create").groups(groupCore).resources("serviceaccounts"),                // serviceaccount: "default"
		verbs("watch", "create", "update").groups(groupCore).resources("configmaps"),  // rootca: kube-root-ca.crt in every namespace
		eventsRule(),
		// nodelifecycle: the nodes' heartbeats, their Leases in kube-node-lease.
		verbs(read...).groups(api.CoordinationGroup).resources("leases"),
	}, slices.Concat(certificateControllerRules(), namespaceContentRules(), leaderLeaseRules("kube-controller-manager"))...)
}

// leaderLeaseRules: a component that elects a leader
// (pkg/client/leaderelection) creates its Lease in kube-system and then
// reads and renews that one only, as Kubernetes' roles allow.
func leaderLeaseRules(lease string) []rule {
	return []rule{
		verbs("create").groups(api.CoordinationGroup).resources("leases"),
		verbs("get", "update").groups(api.CoordinationGroup).resources("leases").named(lease),
	}
}

// certificateControllerRules: certificates/approver approves kubelets'
// requests, certificates/signer signs approved ones, and
// certificates/tokencleaner deletes expired bootstrap tokens. The
// approve and sign verbs on signers/<signerName> are what the apiserver
// asks of a write to the approval subresource and of a certificate
// written into the status.
func certificateControllerRules() []rule {
	return []rule{
		verbs("get", "list", "watch", "update").groups(api.CertificatesGroup).resources("certificatesigningrequests"),
		verbs("update").groups(api.CertificatesGroup).resources("certificatesigningrequests/approval",
			"certificatesigningrequests/status"),
		verbs("approve").groups(api.CertificatesGroup).resources("signers").named(api.SignerKubeletClient, api.SignerKubeletServing),
		verbs("sign").groups(api.CertificatesGroup).resources("signers").named(api.SignerKubeletClient, api.SignerKubeletServing, api.SignerClient),
		// Kubernetes grants these in a Role of kube-system
		// (system:controller:token-cleaner); kubelab's default policy has
		// ClusterRoles only, and namespaceContentRules grant list and
		// delete of every Secret already.
		verbs("list", "watch", "delete").groups(groupCore).resources("secrets"),
	}
}

// namespaceContentRules let the garbage collector empty a namespace that
// is being deleted, whatever kinds it holds, and look up an owner of any
// kind. They are made from the registry, so a new kind is covered
// without a change here; no verb lets the collector write a role's
// rules.
func namespaceContentRules() []rule {
	var out []rule
	for _, res := range api.Resources() {
		vs := []string{"get"}
		if res.Namespaced {
			vs = append(vs, "list", "delete")
			if slices.Contains(res.Verbs, "deletecollection") {
				vs = append(vs, "deletecollection")
			}
		}
		out = append(out, verbs(vs...).groups(res.Group).resources(res.Name))
	}
	return out
}

// proxierRules: pkg/proxy watches services, endpoints and nodes, writes
// LoadBalancer services' status, and records events.
func proxierRules() []rule {
	return []rule{
		verbs("list", "watch").groups(groupCore).resources("services", "endpoints"),
		verbs("list", "watch").groups(groupDiscovery).resources("endpointslices"),
		verbs(read...).groups(groupCore).resources("nodes"),
		verbs("update", "patch").groups(groupCore).resources("services/status"),
		eventsRule(),
	}
}

// dnsRules: pkg/dns watches services, endpoints and running pods.
func dnsRules() []rule {
	return []rule{
		verbs("list", "watch").groups(groupCore).resources("services", "endpoints", "pods"),
		verbs("list", "watch").groups(groupDiscovery).resources("endpointslices"),
	}
}

// nodeRules are the rules of the system:node role, as Kubernetes'. No one
// is bound to it: kubelets are served by the node authorizer (node.go),
// which allows what these rules do, narrowed to the kubelet's own Node
// and to the pods bound to it and the objects they use. Kubernetes' role
// has more that kubelab serves not: leases, persistentvolumeclaims,
// tokenreviews, the CSI kinds.
func nodeRules() []rule {
	return []rule{
		verbs(read...).groups(groupCore).resources("services", "endpoints", "namespaces"),
		verbs(read...).groups(groupDiscovery).resources("endpointslices"),
		verbs("create", "get", "list", "watch", "update", "patch").groups(groupCore).resources("nodes"),
		verbs("update", "patch").groups(groupCore).resources("nodes/status"),
		verbs(read...).groups(groupCore).resources("pods"),
		verbs("delete").groups(groupCore).resources("pods"),
		verbs("update", "patch").groups(groupCore).resources("pods/status"),
		verbs("get").groups(groupCore).resources("secrets", "configmaps", "persistentvolumeclaims"),
		verbs("create").groups(groupCore).resources("serviceaccounts/token"),
		// The volumes of its pods' claims, and its local-path volumes'
		// finalizers (localpath.go in the kubelet; AdmitPersistentVolume).
		verbs("get", "list", "watch", "update", "patch").groups(groupCore).resources("persistentvolumes"),
		// A kubelet asks for its serving certificate, and renews its
		// client certificate, and watches for the answer.
		verbs("create", "get", "list", "watch").groups(api.CertificatesGroup).resources("certificatesigningrequests"),
		// Its heartbeat: its own Lease in kube-node-lease (NodeAuthorizer.ownLease).
		verbs("get", "create", "update", "patch", "delete").groups(api.CoordinationGroup).resources("leases"),
		eventsRule(),
	}
}

// eventsRule lets a component record events, in both events APIs.
func eventsRule() rule {
	return verbs("create", "update", "patch").groups(groupCore, groupEvents).resources("events")
}

// rule builds a PolicyRule: verbs("get").groups("").resources("pods").
// Each call makes fresh slices, so that the roles returned share none.
type rule api.PolicyRule

func verbs(v ...string) rule                { return rule{Verbs: slices.Clone(v)} }
func (r rule) groups(g ...string) rule      { r.APIGroups = g; return r }
func (r rule) resources(res ...string) rule { r.Resources = res; return r }
func (r rule) urls(u ...string) rule        { r.NonResourceURLs = u; return r }
func (r rule) named(n ...string) rule       { r.ResourceNames = n; return r }

func policyRules(rs []rule) []api.PolicyRule {
	out := make([]api.PolicyRule, len(rs))
	for i, r := range rs {
		out[i] = api.PolicyRule(r)
	}
	return out
}

func clusterRole(name string, rules ...rule) *api.ClusterRole {
	r := &api.ClusterRole{ObjectMeta: bootstrapMeta(name), Rules: policyRules(rules)}
	api.SetTypeMeta(r)
	return r
}

func clusterRoleBinding(role string, subjects ...api.Subject) *api.ClusterRoleBinding {
	b := &api.ClusterRoleBinding{
		ObjectMeta: bootstrapMeta(role),
		Subjects:   subjects,
		RoleRef:    api.RoleRef{APIGroup: api.RBACGroup, Kind: "ClusterRole", Name: role},
	}
	api.SetTypeMeta(b)
	return b
}

func bootstrapMeta(name string) api.ObjectMeta {
	return api.ObjectMeta{
		Name:        name,
		Labels:      map[string]string{BootstrapLabel: BootstrapLabelValue},
		Annotations: map[string]string{AutoupdateAnnotation: "true"},
	}
}

func group(name string) api.Subject {
	return api.Subject{Kind: api.SubjectGroup, APIGroup: api.RBACGroup, Name: name}
}

func user(name string) api.Subject {
	return api.Subject{Kind: api.SubjectUser, APIGroup: api.RBACGroup, Name: name}
}
