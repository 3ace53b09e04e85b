package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// defaultPolicy is RBAC over the default roles and bindings, plus the
// RoleBindings a cluster's users would write: in namespace "team",
// viewer views, editor edits, owner administers.
func defaultPolicy() *RBAC {
	var objs []api.Object
	for _, r := range DefaultClusterRoles() {
		objs = append(objs, r)
	}
	for _, b := range DefaultClusterRoleBindings() {
		objs = append(objs, b)
	}
	objs = append(objs,
		testRoleBinding("team", "viewers", "ClusterRole", "view", user("viewer")),
		testRoleBinding("team", "editors", "ClusterRole", "edit", user("editor")),
		testRoleBinding("team", "owners", "ClusterRole", "admin", user("owner")),
	)
	return NewRBAC(newSource(objs...))
}

// can is one request of a table: "verb resource namespace/name", with
// resource as req reads it and "-" for an empty namespace or name, or
// "verb /path".
type can struct {
	user    *User
	request string
	want    bool
}

func (c can) attributes() Attributes {
	f := strings.Fields(c.request)
	if strings.HasPrefix(f[1], "/") {
		return pathReq(c.user, f[0], f[1])
	}
	ns, name, _ := strings.Cut(f[2], "/")
	return req(c.user, f[0], f[1], strings.Trim(ns, "-"), strings.Trim(name, "-"))
}

func runCan(t *testing.T, r Authorizer, tests []can) {
	t.Helper()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s", tt.user.Name, tt.request), func(t *testing.T) {
			d, reason, err := r.Authorize(context.Background(), tt.attributes())
			if err != nil {
				t.Fatal(err)
			}
			if (d == Allow) != tt.want {
				t.Errorf("allowed = %v (%s), want %v", d == Allow, reason, tt.want)
			}
		})
	}
}

// The components' roles allow what their code calls, found by reading it:
// informers list and watch; the writes are named by file.
func TestDefaultPolicyComponents(t *testing.T) {
	sched := &User{Name: UserKubeScheduler, Groups: []string{GroupAuthenticated}}
	kcm := &User{Name: UserKubeControllerManager, Groups: []string{GroupAuthenticated}}
	proxy := &User{Name: UserKubeProxy, Groups: []string{GroupAuthenticated}}
	dns := &User{Name: "system:serviceaccount:kube-system:kube-dns", Groups: []string{GroupServiceAccounts, GroupAuthenticated}}
	tests := []can{
		// pkg/scheduler: run.go informers, writes.go, bind.go, events.
		{sched, "list pods -/-", true},
		{sched, "watch pods -/-", true},
		{sched, "list nodes -/-", true},
		{sched, "watch nodes -/-", true},
		{sched, "create pods/binding ns/p", true},
		{sched, "patch pods/status ns/p", true},
		{sched, "patch pods ns/p", true},
		{sched, "create events ns/-", true},
		{sched, "patch events ns/e", true},
		{sched, "create events.events.k8s.io ns/-", true},
		{sched, "get /apis/apps/v1", true},
		{sched, "get secrets ns/s", false},
		{sched, "delete pods ns/p", false},
		{sched, "create pods ns/-", false},
		{sched, "update nodes -/n1", false},
		{sched, "update pods ns/p", false},

		// pkg/controller/manager: controllers.go informers.
		{kcm, "list pods -/-", true},
		{kcm, "watch pods -/-", true},
		{kcm, "watch replicasets.apps -/-", true},
		{kcm, "watch replicationcontrollers -/-", true},
		{kcm, "watch daemonsets.apps -/-", true},
		{kcm, "watch nodes -/-", true},
		{kcm, "watch services -/-", true},
		{kcm, "watch endpoints -/-", true},
		{kcm, "watch namespaces -/-", true},
		{kcm, "watch serviceaccounts -/-", true},
		// replicaset/manage.go, daemonset/daemonset.go; controller/ownership.go adopts.
		{kcm, "create pods ns/-", true},
		{kcm, "delete pods ns/p", true},
		{kcm, "patch pods ns/p", true},
		{kcm, "update replicasets.apps/status ns/rs", true},
		{kcm, "update replicationcontrollers/status ns/rc", true},
		{kcm, "update daemonsets.apps/status ns/ds", true},
		// deployment, daemonset history, job, cronjob.
		{kcm, "watch deployments.apps -/-", true},
		{kcm, "watch controllerrevisions.apps -/-", true},
		{kcm, "watch jobs.batch -/-", true},
		{kcm, "watch cronjobs.batch -/-", true},
		{kcm, "update deployments.apps/status ns/d", true},
		{kcm, "update deployments.apps ns/d", true},
		{kcm, "create replicasets.apps ns/-", true},
		{kcm, "update replicasets.apps ns/rs", true},
		{kcm, "delete replicasets.apps ns/rs", true},
		{kcm, "create controllerrevisions.apps ns/-", true},
		{kcm, "update controllerrevisions.apps ns/cr", true},
		{kcm, "delete controllerrevisions.apps ns/cr", true},
		{kcm, "update jobs.batch/status ns/j", true},
		{kcm, "update cronjobs.batch/status ns/cj", true},
		{kcm, "create jobs.batch ns/-", true},
		{kcm, "delete jobs.batch ns/j", true},
		{kcm, "create deployments.apps ns/-", false},
		{kcm, "create cronjobs.batch ns/-", false},
		// endpoints/endpoints.go.
		{kcm, "create endpoints ns/-", true},
		{kcm, "update endpoints ns/svc", true},
		{kcm, "delete endpoints ns/svc", true},
		// nodelifecycle: taints (update), conditions (status), pods not ready, eviction.
		{kcm, "update nodes -/n1", true},
		{kcm, "update nodes/status -/n1", true},
		{kcm, "update pods/status ns/p", true},
		// podgc/orphaned.go reads a node live.
		{kcm, "get nodes -/n1", true},
		// garbagecollector: owner references, finalizers, owners of any kind, namespaces.
		{kcm, "patch replicasets.apps ns/rs", true},
		{kcm, "patch replicationcontrollers ns/rc", true},
		{kcm, "patch daemonsets.apps ns/ds", true},
		{kcm, "delete replicasets.apps ns/rs", true},
		{kcm, "get replicasets.apps ns/rs", true},
		{kcm, "update namespaces/finalize -/ns", true},
		// serviceaccount/serviceaccount.go.
		{kcm, "create serviceaccounts ns/-", true},
		{kcm, "create events ns/-", true},
		{kcm, "patch events ns/e", true},
		// Least privilege, and no escalation.
		{kcm, "create secrets ns/-", false},
		{kcm, "update secrets ns/s", false},
		{kcm, "create roles.rbac.authorization.k8s.io ns/-", false},
		{kcm, "update roles.rbac.authorization.k8s.io ns/r", false},
		{kcm, "escalate clusterroles.rbac.authorization.k8s.io -/r", false},
		{kcm, "bind clusterroles.rbac.authorization.k8s.io -/cluster-admin", false},
		{kcm, "create clusterrolebindings.rbac.authorization.k8s.io -/-", false},
		{kcm, "delete nodes -/n1", false},
		{kcm, "delete namespaces -/ns", false},
		{kcm, "create pods/exec ns/p", false},
		// certificates/approver, certificates/signer, certificates/tokencleaner.
		{kcm, "watch certificatesigningrequests.certificates.k8s.io -/-", true},
		{kcm, "update certificatesigningrequests.certificates.k8s.io/approval -/csr-1", true},
		{kcm, "update certificatesigningrequests.certificates.k8s.io/status -/csr-1", true},
		{kcm, "approve signers.certificates.k8s.io -/kubernetes.io/kube-apiserver-client-kubelet", true},
		{kcm, "approve signers.certificates.k8s.io -/kubernetes.io/kubelet-serving", true},
		{kcm, "sign signers.certificates.k8s.io -/kubernetes.io/kube-apiserver-client-kubelet", true},
		{kcm, "sign signers.certificates.k8s.io -/kubernetes.io/kubelet-serving", true},
		{kcm, "sign signers.certificates.k8s.io -/kubernetes.io/kube-apiserver-client", true},
		{kcm, "watch secrets kube-system/-", true},
		{kcm, "delete secrets kube-system/bootstrap-token-abcdef", true},
		// A client certificate for anyone is approved by a person.
		{kcm, "approve signers.certificates.k8s.io -/kubernetes.io/kube-apiserver-client", false},
		{kcm, "approve signers.certificates.k8s.io -/example.com/my-signer", false},
		{kcm, "sign signers.certificates.k8s.io -/example.com/my-signer", false},
		{kcm, "create certificatesigningrequests.certificates.k8s.io -/-", false},

		// pkg/proxy: run.go informers, status.go, events.
		{proxy, "list services -/-", true},
		{proxy, "watch services -/-", true},
		{proxy, "list endpoints -/-", true},
		{proxy, "watch endpoints -/-", true},
		{proxy, "list nodes -/-", true},
		{proxy, "watch nodes -/-", true},
		{proxy, "watch endpointslices.discovery.k8s.io -/-", true},
		{proxy, "update services/status ns/svc", true},
		{proxy, "create events default/-", true},
		{proxy, "get secrets ns/s", false},
		{proxy, "list secrets -/-", false},
		{proxy, "delete pods ns/p", false},
		{proxy, "list pods -/-", false},
		{proxy, "update services ns/svc", false},

		// pkg/dns: run.go informers.
		{dns, "list services -/-", true},
		{dns, "watch services -/-", true},
		{dns, "list endpoints -/-", true},
		{dns, "watch endpoints -/-", true},
		{dns, "list pods -/-", true},
		{dns, "watch pods -/-", true},
		{dns, "get secrets kube-system/s", false},
		{dns, "create services ns/-", false},
		{dns, "delete pods ns/p", false},
	}
	runCan(t, defaultPolicy(), tests)
}

// A joining node's bootstrap token may send a CertificateSigningRequest
// and wait for its answer, and nothing more; a kubelet renews its own.
func TestDefaultPolicyBootstrap(t *testing.T) {
	joining := &User{Name: "system:bootstrap:abcdef", Groups: []string{GroupBootstrappers, DefaultBootstrapTokenGroup, GroupAuthenticated}}
	kubelet := &User{Name: "system:node:a", Groups: []string{GroupNodes, GroupAuthenticated}}
	tests := []can{
		{joining, "create certificatesigningrequests.certificates.k8s.io -/-", true},
		{joining, "get certificatesigningrequests.certificates.k8s.io -/node-csr-1", true},
		{joining, "watch certificatesigningrequests.certificates.k8s.io -/-", true},
		{joining, "create certificatesigningrequests.certificates.k8s.io/nodeclient -/-", true},
		{joining, "get /api", true},
		{joining, "create certificatesigningrequests.certificates.k8s.io/selfnodeclient -/-", false},
		{joining, "update certificatesigningrequests.certificates.k8s.io/approval -/node-csr-1", false},
		{joining, "update certificatesigningrequests.certificates.k8s.io/status -/node-csr-1", false},
		{joining, "approve signers.certificates.k8s.io -/kubernetes.io/kube-apiserver-client-kubelet", false},
		{joining, "delete certificatesigningrequests.certificates.k8s.io -/node-csr-1", false},
		{joining, "list nodes -/-", false},
		{joining, "create nodes -/-", false},
		{joining, "get secrets kube-system/bootstrap-token-abcdef", false},

		{kubelet, "create certificatesigningrequests.certificates.k8s.io/selfnodeclient -/-", true},
		{kubelet, "create certificatesigningrequests.certificates.k8s.io/nodeclient -/-", false},
	}
	runCan(t, defaultPolicy(), tests)

	// A kubelet's own requests are the node authorizer's to allow, from
	// the system:node role's rules.
	runCan(t, NewNodeAuthorizer(nodeFixture()), []can{
		{kubelet, "create certificatesigningrequests.certificates.k8s.io -/-", true},
		{kubelet, "get certificatesigningrequests.certificates.k8s.io -/csr-a", true},
		{kubelet, "list certificatesigningrequests.certificates.k8s.io -/-", true},
		{kubelet, "watch certificatesigningrequests.certificates.k8s.io -/-", true},
		{kubelet, "update certificatesigningrequests.certificates.k8s.io/approval -/csr-a", false},
		{kubelet, "update certificatesigningrequests.certificates.k8s.io/status -/csr-a", false},
		{kubelet, "delete certificatesigningrequests.certificates.k8s.io -/csr-a", false},
		{kubelet, "approve signers.certificates.k8s.io -/kubernetes.io/kubelet-serving", false},
	})
}

// The namespace controller empties a namespace of every kind, and the
// garbage collector reads an owner of any kind.
func TestDefaultPolicyNamespaceContent(t *testing.T) {
	kcm := &User{Name: UserKubeControllerManager}
	var tests []can
	for _, res := range api.Resources() {
		name := res.Name
		if res.Group != "" {
			name += "." + res.Group
		}
		if res.Namespaced {
			tests = append(tests, can{kcm, "list " + name + " doomed/-", true}, can{kcm, "delete " + name + " doomed/x", true})
		} else {
			tests = append(tests, can{kcm, "get " + name + " -/x", true})
		}
	}
	runCan(t, defaultPolicy(), tests)
}

func TestDefaultPolicyPeople(t *testing.T) {
	admin := &User{Name: "root", Groups: []string{GroupMasters, GroupAuthenticated}}
	jane := &User{Name: "jane", Groups: []string{GroupAuthenticated}}
	viewer := &User{Name: "viewer", Groups: []string{GroupAuthenticated}}
	editor := &User{Name: "editor", Groups: []string{GroupAuthenticated}}
	owner := &User{Name: "owner", Groups: []string{GroupAuthenticated}}
	kubelet := &User{Name: "system:node:a", Groups: []string{GroupNodes, GroupAuthenticated}}
	tests := []can{
		{admin, "delete nodes -/n1", true},
		{admin, "escalate clusterroles.rbac.authorization.k8s.io -/x", true},
		{admin, "get /metrics", true},

		// Every authenticated user: discovery, health, self-reviews.
		{jane, "get /api", true},
		{jane, "get /api/v1", true},
		{jane, "get /apis/apps/v1", true},
		{jane, "get /version", true},
		{jane, "get /openapi/v2", true},
		{jane, "get /healthz", true},
		{jane, "get /readyz", true},
		{jane, "create selfsubjectaccessreviews.authorization.k8s.io -/-", true},
		{jane, "create selfsubjectrulesreviews.authorization.k8s.io -/-", true},
		{jane, "create selfsubjectreviews.authentication.k8s.io -/-", true},
		{jane, "get /metrics", false},
		{jane, "post /api", false},
		{jane, "list pods team/-", false},

		// view, in its namespace only.
		{viewer, "get pods team/p", true},
		{viewer, "list pods team/-", true},
		{viewer, "get pods/log team/p", true},
		{viewer, "list services team/-", true},
		{viewer, "list configmaps team/-", true},
		{viewer, "list events team/-", true},
		{viewer, "watch replicasets.apps team/-", true},
		{viewer, "get replicasets.apps/scale team/rs", true},
		{viewer, "list daemonsets.apps team/-", true},
		{viewer, "watch deployments.apps team/-", true},
		{viewer, "get deployments.apps/scale team/d", true},
		{viewer, "list controllerrevisions.apps team/-", true},
		{viewer, "get jobs.batch team/j", true},
		{viewer, "list cronjobs.batch/status team/-", true},
		{viewer, "update deployments.apps/scale team/d", false},
		{viewer, "create jobs.batch team/-", false},
		{viewer, "get secrets team/s", false},
		{viewer, "list secrets team/-", false},
		{viewer, "delete pods team/p", false},
		{viewer, "create pods team/-", false},
		{viewer, "create pods/exec team/p", false},
		{viewer, "update services team/s", false},
		{viewer, "list roles.rbac.authorization.k8s.io team/-", false},
		{viewer, "get pods other/p", false},
		{viewer, "list pods -/-", false},

		// edit: view and writes, Secrets and exec, not RBAC.
		{editor, "get pods team/p", true},
		{editor, "get secrets team/s", true},
		{editor, "create secrets team/-", true},
		{editor, "create pods team/-", true},
		{editor, "deletecollection pods team/-", true},
		{editor, "create pods/exec team/p", true},
		{editor, "get pods/exec team/p", true},
		{editor, "update configmaps team/c", true},
		{editor, "delete replicasets.apps team/rs", true},
		{editor, "patch replicasets.apps/scale team/rs", true},
		{editor, "create serviceaccounts team/-", true},
		{editor, "create deployments.apps team/-", true},
		{editor, "patch deployments.apps/scale team/d", true},
		{editor, "delete jobs.batch team/j", true},
		{editor, "update cronjobs.batch team/cj", true},
		{editor, "get controllerrevisions.apps team/cr", true},
		{editor, "update deployments.apps/status team/d", false},
		{editor, "create controllerrevisions.apps team/-", false},
		{editor, "create roles.rbac.authorization.k8s.io team/-", false},
		{editor, "create rolebindings.rbac.authorization.k8s.io team/-", false},
		{editor, "update pods/status team/p", false},
		{editor, "get secrets other/s", false},

		// admin: edit and RBAC in the namespace.
		{owner, "create roles.rbac.authorization.k8s.io team/-", true},
		{owner, "create rolebindings.rbac.authorization.k8s.io team/-", true},
		{owner, "delete secrets team/s", true},
		{owner, "create cronjobs.batch team/-", true},
		{owner, "update deployments.apps/scale team/d", true},
		{owner, "escalate roles.rbac.authorization.k8s.io team/r", false},
		{owner, "bind clusterroles.rbac.authorization.k8s.io -/cluster-admin", false},
		{owner, "create clusterroles.rbac.authorization.k8s.io -/-", false},
		{owner, "create roles.rbac.authorization.k8s.io other/-", false},
		{owner, "delete namespaces -/team", false},

		// system:node is bound to no one: RBAC gives a kubelet discovery only.
		{kubelet, "get /api", true},
		{kubelet, "list pods -/-", false},
		{kubelet, "update nodes/status -/a", false},
	}
	runCan(t, defaultPolicy(), tests)
}

// admin ⊇ edit ⊇ view, so that an admin may grant edit and view in its
// namespace without the escalate verb.
func TestDefaultPolicyNests(t *testing.T) {
	roles := map[string][]api.PolicyRule{}
	for _, r := range DefaultClusterRoles() {
		roles[r.Name] = r.Rules
	}
	tests := []struct {
		owner, requested string
		want             bool
	}{
		{"admin", "edit", true},
		{"edit", "view", true},
		{"admin", "view", true},
		{"view", "edit", false},
		{"edit", "admin", false},
		{"cluster-admin", "system:kube-controller-manager", true},
		{"admin", "system:node", false},
	}
	for _, tt := range tests {
		t.Run(tt.owner+" covers "+tt.requested, func(t *testing.T) {
			if ok, missing := Covers(roles[tt.owner], roles[tt.requested]); ok != tt.want {
				t.Errorf("covers = %v, want %v; missing %v", ok, tt.want, missing)
			}
		})
	}
	owner := &User{Name: "owner"}
	if err := ConfirmNoEscalation(defaultPolicy(), owner, "team", roles["edit"]); err != nil {
		t.Errorf("an admin may not grant edit in its namespace: %v", err)
	}
	if err := ConfirmNoEscalation(defaultPolicy(), owner, "other", roles["edit"]); err == nil {
		t.Error("an admin may grant edit in another namespace")
	}
}

// Every default object is valid, marked as a default, and every binding
// refers to a default role.
func TestDefaultPolicyObjects(t *testing.T) {
	roles := map[string]bool{}
	for _, r := range DefaultClusterRoles() {
		if roles[r.Name] {
			t.Errorf("ClusterRole %s twice", r.Name)
		}
		roles[r.Name] = true
		checkDefaultMeta(t, "ClusterRole", r.TypeMeta, r.ObjectMeta)
		if errs := api.Validate(r); len(errs) > 0 {
			t.Errorf("ClusterRole %s: %v", r.Name, errs)
		}
	}
	bound := map[string]bool{}
	for _, b := range DefaultClusterRoleBindings() {
		checkDefaultMeta(t, "ClusterRoleBinding", b.TypeMeta, b.ObjectMeta)
		if errs := api.Validate(b); len(errs) > 0 {
			t.Errorf("ClusterRoleBinding %s: %v", b.Name, errs)
		}
		if !roles[b.RoleRef.Name] {
			t.Errorf("ClusterRoleBinding %s refers to a ClusterRole %s that is not a default", b.Name, b.RoleRef.Name)
		}
		bound[b.RoleRef.Name] = true
	}
	for _, name := range []string{"admin", "edit", "view", "system:node"} {
		if bound[name] {
			t.Errorf("ClusterRole %s is bound by default", name)
		}
	}
}

func checkDefaultMeta(t *testing.T, kind string, tm api.TypeMeta, m api.ObjectMeta) {
	t.Helper()
	if tm.APIVersion != "rbac.authorization.k8s.io/v1" || tm.Kind != kind {
		t.Errorf("%s %s: typeMeta %+v", kind, m.Name, tm)
	}
	if m.Labels[BootstrapLabel] != BootstrapLabelValue || m.Annotations[AutoupdateAnnotation] != "true" {
		t.Errorf("%s %s: labels %v, annotations %v", kind, m.Name, m.Labels, m.Annotations)
	}
}

// Every resource a default role names is one kubelab serves, so that a
// typo ("pod/status") does not go unnoticed, or one of the few it names
// ahead of serving them, or one that only names a permission (signers,
// nodeclient, selfnodeclient: no object, only a check).
func TestDefaultPolicyResourcesExist(t *testing.T) {
	ahead := []string{
		"discovery.k8s.io/endpointslices",
		"events.k8s.io/events",
		"authorization.k8s.io/selfsubjectaccessreviews",
		"authorization.k8s.io/selfsubjectrulesreviews",
		"authentication.k8s.io/selfsubjectreviews",
		"/serviceaccounts/token",
		"certificates.k8s.io/signers",
		"certificates.k8s.io/certificatesigningrequests/nodeclient",
		"certificates.k8s.io/certificatesigningrequests/selfnodeclient",
	}
	for _, role := range DefaultClusterRoles() {
		for _, rule := range role.Rules {
			for _, g := range rule.APIGroups {
				for _, resource := range rule.Resources {
					if g == "*" || resource == "*" || slices.Contains(ahead, g+"/"+resource) {
						continue
					}
					name, sub, _ := strings.Cut(resource, "/")
					r, ok := api.ForGroupResource(g, "v1", name)
					if !ok || sub != "" && !r.HasSubresource(sub) {
						t.Errorf("ClusterRole %s names %q in group %q, which kubelab does not serve", role.Name, resource, g)
					}
				}
			}
		}
	}
}

// The roles share no slice, within a call or across calls: a caller may
// change one without changing another.
func TestDefaultClusterRolesAreFresh(t *testing.T) {
	first := DefaultClusterRoles()
	for _, r := range first {
		for _, rule := range r.Rules {
			for i := range rule.Verbs {
				rule.Verbs[i] = "changed by " + r.Name
			}
		}
		r.Labels[BootstrapLabel] = "changed"
	}
	for _, r := range first {
		for _, rule := range r.Rules {
			for _, v := range rule.Verbs {
				if v != "changed by "+r.Name {
					t.Fatalf("ClusterRole %s shares its verbs: %q", r.Name, v)
				}
			}
		}
	}
	for _, r := range DefaultClusterRoles() {
		if slices.ContainsFunc(r.Rules, func(rule api.PolicyRule) bool { return strings.HasPrefix(rule.Verbs[0], "changed") }) ||
			r.Labels[BootstrapLabel] != BootstrapLabelValue {
			t.Fatalf("ClusterRole %s shares with an earlier call", r.Name)
		}
	}
}
