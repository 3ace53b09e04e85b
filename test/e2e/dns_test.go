package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// TestDNS runs the cluster DNS add-on (addons/dns.yaml) as pods on the
// node, and asks it from another pod, through the kube-dns Service, the
// way every pod does: its /etc/resolv.conf, written by the kubelet, names
// the Service's address. The DNS pods themselves reach the apiserver
// through the kubernetes Service, which the proxy rewrites to the
// apiserver's 127.0.0.1, as on a `make up` node.
//
// Nothing here leaves the machine: the DNS answers names outside the
// cluster with REFUSED and has no upstream, and the node's egress rule
// (KLAB-FORWARD) must count no pod packet leaving for anywhere else.
func TestDNS(t *testing.T) {
	c := startCluster(t)
	run := c.stepper(t)
	c.startControllers()
	c.startProxy()
	c.applyDNSAddon()

	for _, name := range []string{"kubia-1", "kubia-2"} {
		p := newPod(name, kubia())
		p.Labels = map[string]string{"app": "kubia"}
		p.Spec.Containers[0].ReadinessProbe = httpProbe("/ready", api.FromString("http"), 1)
		c.createPod(p)
	}
	c.createPod(newPod("client", toolbox("tool", "while true; do sleep 1; done")))
	kubiaSel := map[string]string{"app": "kubia"}
	svc := c.createService("kubia", "10.198.7.20", kubiaSel, nil)
	c.createService("kubia-h", api.ClusterIPNone, kubiaSel, nil)
	c.createService("ext", "", nil, func(s *api.Service) {
		s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports = api.ServiceTypeExternalName, "db.example.com", nil
	})
	pods := map[string]string{} // name → pod IP
	for _, name := range []string{"kubia-1", "kubia-2"} {
		pods[name] = c.waitPod(name, 30*time.Second, "to be Ready", ready(true)).Status.PodIP
	}
	c.waitPod("client", 30*time.Second, "to run", func(p *api.Pod) error {
		if p.Status.Phase != api.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	c.eventually(30*time.Second, "2 ready DNS pods behind kube-dns", func() error {
		return c.readyEndpointsIn("kube-system", "kube-dns", 4) // 2 pods × (UDP, TCP)
	})

	run("the pod's resolv.conf names the cluster DNS", func(t *testing.T) {
		out := c.mustKctl("exec", "client", "--", "cat", "/etc/resolv.conf")
		want := "nameserver " + dnsIP + "\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"
		if out != want {
			t.Errorf("resolv.conf:\n%s\nwant:\n%s", out, want)
		}
	})

	run("kubia, kubia.default and the full name resolve to the ClusterIP", func(t *testing.T) {
		for _, name := range []string{"kubia", "kubia.default.svc.cluster.local"} {
			if out := c.nslookup(name); !strings.Contains(out, "Address: "+svc.Spec.ClusterIP+"\n") {
				t.Errorf("nslookup %s:\n%s\nwant the address %s", name, out, svc.Spec.ClusterIP)
			}
		}
		// busybox's nslookup applies the search path only to names
		// without a dot; its wget uses the libc resolver, which applies
		// it (ndots:5) and says which address it connects to.
		for _, name := range []string{"kubia", "kubia.default"} {
			out, errOut, code := c.kctl("exec", "client", "--", "wget", "-O-", "http://"+name+"/")
			all := out + errOut
			if want := "Connecting to " + name + " (" + svc.Spec.ClusterIP + ":80)"; !strings.Contains(all, want) || !strings.Contains(all, "You've hit kubia-") {
				t.Errorf("wget http://%s/: exit %d\n%s\nwant %q and an answer from kubia", name, code, all, want)
			}
		}
	})

	run("a headless service resolves to its ready pods and drops one whose readiness fails", func(t *testing.T) {
		const name = "kubia-h.default.svc.cluster.local"
		c.eventually(10*time.Second, "both pods in the answer", func() error {
			return answers(c.nslookup(name), pods["kubia-1"], pods["kubia-2"])
		})
		c.mustKctl("exec", "client", "--", "wget", "-qO-", "http://"+pods["kubia-2"]+":8080/set?ready=false")
		c.eventually(15*time.Second, "kubia-2 gone from the answer", func() error {
			return answers(c.nslookup(name), pods["kubia-1"])
		})
	})

	run("SRV for a named port, CNAME for an ExternalName", func(t *testing.T) {
		out := c.nslookup("-type=SRV", "_http._tcp.kubia.default.svc.cluster.local")
		if !strings.Contains(out, "service = 0 100 80 kubia.default.svc.cluster.local") {
			t.Errorf("SRV of kubia:\n%s", out)
		}
		out = c.nslookup("-type=SRV", "_http._tcp.kubia-h.default.svc.cluster.local")
		dashed := strings.ReplaceAll(pods["kubia-1"], ".", "-")
		if !strings.Contains(out, " 8080 "+dashed+".kubia-h.default.svc.cluster.local") {
			t.Errorf("SRV of the headless kubia-h:\n%s\nwant port 8080 of %s.kubia-h…", out, dashed)
		}
		out = c.nslookup("-type=CNAME", "ext.default.svc.cluster.local")
		if !strings.Contains(out, "canonical name = db.example.com") {
			t.Errorf("CNAME of ext:\n%s", out)
		}
	})

	run("an unknown name gets NXDOMAIN", func(t *testing.T) {
		for _, name := range []string{"nosuch.default.svc.cluster.local", "kubia.other.svc.cluster.local"} {
			if out := c.nslookup(name); !strings.Contains(out, "can't find "+name+": NXDOMAIN") {
				t.Errorf("nslookup %s:\n%s\nwant NXDOMAIN", name, out)
			}
		}
	})

	run("an outside name is REFUSED, and no pod packet tried to leave", func(t *testing.T) {
		if out := c.nslookup("example.com."); !strings.Contains(out, "can't find example.com.: REFUSED") {
			t.Errorf("nslookup example.com.:\n%s\nwant REFUSED", out)
		}
		if n := egressRefused(t); n != 0 {
			t.Errorf("the egress rule refused %d packets from pods: something tried to leave the cluster", n)
		}
	})

	run("a pod's ServiceAccount token reaches the API through the kubernetes Service, and gets what RBAC grants", func(t *testing.T) {
		// apiget (images/apiget, in the toolbox) is client-go's in-cluster
		// config: the Service's address, the mounted CA and token.
		get := func() string {
			out, errOut, _ := c.kctl("exec", "client", "--", "apiget", "/api/v1/namespaces/default/services/kubia")
			return out + errOut
		}
		if out := get(); !strings.Contains(out, `services \"kubia\" is forbidden: User \"system:serviceaccount:default:default\"`) &&
			!strings.Contains(out, `User "system:serviceaccount:default:default" cannot get resource "services"`) {
			t.Errorf("before any binding:\n%s\nwant 403 for system:serviceaccount:default:default", out)
		}
		rb := &api.RoleBinding{ObjectMeta: api.ObjectMeta{Name: "default-view", Namespace: "default"},
			Subjects: []api.Subject{{Kind: "ServiceAccount", Name: "default", Namespace: "default"}},
			RoleRef:  api.RoleRef{Kind: "ClusterRole", Name: "view"}}
		if _, err := c.client.For(rb).Create(context.Background(), rb); err != nil {
			t.Fatal(err)
		}
		c.eventually(10*time.Second, "the pod to read the kubia Service once bound to view", func() error {
			if out := get(); !strings.Contains(out, `"clusterIP":"`+svc.Spec.ClusterIP+`"`) {
				return fmt.Errorf("apiget: %s", out)
			}
			return nil
		})
		out, errOut, _ := c.kctl("exec", "client", "--", "apiget", "/api/v1/namespaces/default/secrets")
		if !strings.Contains(out+errOut, "forbidden") {
			t.Errorf("a view pod listing secrets:\n%s%s\nwant forbidden", out, errOut)
		}
	})

	run("names still resolve after a DNS pod is killed", func(t *testing.T) {
		dnsPods := c.client.Resource(resource("pods")).Namespace("kube-system")
		objs, _, err := dnsPods.List(context.Background(), client.ListOptions{LabelSelector: "k8s-app=kube-dns"})
		if err != nil || len(objs) == 0 {
			t.Fatalf("DNS pods: %v, %v", objs, err)
		}
		victim := objs[0].GetObjectMeta().Name
		if err := dnsPods.Delete(context.Background(), victim, &api.DeleteOptions{GracePeriodSeconds: api.Int64(0)}); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			if out := c.nslookup("kubia.default.svc.cluster.local"); !strings.Contains(out, "Address: "+svc.Spec.ClusterIP+"\n") {
				t.Errorf("lookup %d after %s was killed:\n%s", i+1, victim, out)
			}
		}
		c.eventually(30*time.Second, "the ReplicaSet to replace the DNS pod", func() error {
			return c.readyEndpointsIn("kube-system", "kube-dns", 4)
		})
	})
}

// applyDNSAddon creates what addons/dns.yaml holds, with the kube-dns
// Service at the test's dnsIP and the pods bound to the node (no
// scheduler runs here).
func (c *cluster) applyDNSAddon() {
	t := c.t
	data, err := os.ReadFile("../../addons/dns.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := api.SplitDocuments(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range docs {
		obj, res, _, err := api.Decode(doc)
		if err != nil {
			t.Fatalf("addons/dns.yaml: %v", err)
		}
		switch o := obj.(type) {
		case *api.Service:
			o.Spec.ClusterIP = dnsIP
		case *api.Deployment:
			o.Spec.Template.Spec.NodeName = c.node
		}
		if _, err := c.client.Resource(res).Namespace(obj.GetObjectMeta().Namespace).Create(context.Background(), obj); err != nil {
			t.Fatalf("create %s %s: %v", res.Kind, obj.GetObjectMeta().Name, err)
		}
	}
}

// nslookup asks the cluster DNS from the client pod, as its
// resolv.conf says, and returns what busybox's nslookup printed.
func (c *cluster) nslookup(args ...string) string {
	out, errOut, _ := c.kctl(append([]string{"exec", "client", "--", "nslookup"}, args...)...)
	return out + errOut
}

// answers is a check that nslookup's output holds exactly the addresses
// ips (after the server's own lines).
func answers(out string, ips ...string) error {
	var got []string
	for l := range strings.Lines(out) {
		if a, ok := strings.CutPrefix(strings.TrimSpace(l), "Address: "); ok {
			got = append(got, a)
		}
	}
	if len(got) != len(ips) {
		return fmt.Errorf("addresses %v, want %v", got, ips)
	}
	for _, ip := range ips {
		if !strings.Contains(out, "Address: "+ip+"\n") {
			return fmt.Errorf("addresses %v, want %v", got, ips)
		}
	}
	return nil
}

// readyEndpointsIn is a check that Endpoints ns/name hold n ready
// address-and-port pairs.
func (c *cluster) readyEndpointsIn(ns, name string, n int) error {
	obj, err := c.client.Resource(resource("endpoints")).Namespace(ns).Get(context.Background(), name)
	if err != nil {
		return err
	}
	got := 0
	for _, s := range obj.(*api.Endpoints).Subsets {
		got += len(s.Addresses) * len(s.Ports)
	}
	if got != n {
		return fmt.Errorf("%d ready address-port pairs, want %d", got, n)
	}
	return nil
}

// egressRefused reads the packet counter of the node's egress REJECT
// rule (KLAB-FORWARD, in this host's namespace, where the test's node
// network lives).
func egressRefused(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("iptables", "-w", "-S", "KLAB-FORWARD", "-v").Output()
	if err != nil {
		t.Fatalf("iptables -S KLAB-FORWARD -v: %v", err)
	}
	for l := range strings.Lines(string(out)) {
		if !strings.Contains(l, "pod egress denied") {
			continue
		}
		f := strings.Fields(l)
		for i := range len(f) - 1 {
			if f[i] == "-c" {
				n, err := strconv.Atoi(f[i+1])
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
		}
	}
	t.Fatal(errors.New("no egress REJECT rule in KLAB-FORWARD: is pod egress denied?"))
	return 0
}
