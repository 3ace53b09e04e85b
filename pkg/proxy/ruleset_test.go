package proxy

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// Update writes only what changed; Replace writes everything and deletes
// stale chains; either way the kernel (here the FakeApplier) ends up
// holding exactly the generated rules.

func TestUpdate(t *testing.T) {
	kubia, other := "default/kubia:http/tcp", "default/other:http/tcp"
	base := func() ([]*api.Service, []*api.Endpoints) {
		return []*api.Service{
				service("default", "kubia", "10.96.0.10"),
				service("default", "other", "10.96.0.11"),
			}, []*api.Endpoints{
				endpoints("default", "kubia", "10.244.1.2", "10.244.2.2"),
				endpoints("default", "other", "10.244.1.9"),
			}
	}
	tests := []struct {
		name             string
		change           func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints)
		written, deleted []string // chains, symbolic
	}{
		{
			name:   "nothing changed: nothing written",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) { return s, e },
		},
		{
			name: "an endpoint added: its chain and its service's, nothing else",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				e[0] = endpoints("default", "kubia", "10.244.1.2", "10.244.2.2", "10.244.3.2")
				return s, e
			},
			written: []string{"SVC(" + kubia + ")", "SEP(" + kubia + "/10.244.3.2:8080)"},
		},
		{
			name: "an endpoint removed: its service's chain rewritten, its own deleted",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				e[0] = endpoints("default", "kubia", "10.244.1.2")
				return s, e
			},
			written: []string{"SVC(" + kubia + ")"},
			deleted: []string{"SEP(" + kubia + "/10.244.2.2:8080)"},
		},
		{
			name: "the last endpoint gone: a REJECT instead of the service's chains",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				return s, e[1:]
			},
			written: []string{"KLAB-SERVICES-REJECT", "KLAB-SERVICES"},
			deleted: []string{"SVC(" + kubia + ")", "SEP(" + kubia + "/10.244.1.2:8080)", "SEP(" + kubia + "/10.244.2.2:8080)"},
		},
		{
			name: "a service deleted: the entry point rewritten, its chains deleted",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				return s[:1], e[:1]
			},
			written: []string{"KLAB-SERVICES"},
			deleted: []string{"SVC(" + other + ")", "SEP(" + other + "/10.244.1.9:8080)"},
		},
		{
			name: "a service made a NodePort: the node ports and its new chain",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				s[1] = service("default", "other", "10.96.0.11", nodePort(30011))
				return s, e
			},
			written: []string{"KLAB-NODEPORTS", "EXT(" + other + ")"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s0, e0 := base()
			prev := Generate(s0, e0, node1)
			s, e := tt.change(base())
			next := Generate(s, e, node1)
			text := next.Update(prev)
			written, deleted := chainsIn(text)
			if got, want := strings.Join(written, " "), expandAll(tt.written); got != want {
				t.Errorf("chains written: %s\nwant: %s\n%s", got, want, text)
			}
			if got, want := strings.Join(deleted, " "), expandAll(tt.deleted); got != want {
				t.Errorf("chains deleted: %s\nwant: %s\n%s", got, want, text)
			}
			// Played onto the old rules, the update gives the new ones.
			f := NewFakeApplier()
			mustRestore(t, f, prev.Text())
			mustRestore(t, f, text)
			assertHolds(t, f, next)
		})
	}
}

// A full sync after a restart: every chain written, the proxy's chains
// left from before deleted, other programs' chains untouched.
func TestReplaceDeletesStaleChains(t *testing.T) {
	f := NewFakeApplier()
	f.AddChain("nat", "KLAB-SVC-LEFTOVERFROMBEFORE", "-j KLAB-SEP-LEFTOVERENDPOINT0")
	f.AddChain("nat", "KLAB-SEP-LEFTOVERENDPOINT0", "-p tcp -j DNAT --to-destination 10.244.9.9:80")
	f.AddChain("nat", "KLAB-POSTROUTING", "-s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE") // the kubelet's
	f.AddChain("filter", "KLAB-FORWARD", "-s 10.244.0.0/16 -j ACCEPT")                         // the kubelet's
	f.AddChain("nat", "DOCKER", "-i docker0 -j RETURN")

	next := Generate([]*api.Service{service("default", "kubia", "10.96.0.10")},
		[]*api.Endpoints{endpoints("default", "kubia", "10.244.1.2")}, node1)
	existing := map[string][]string{}
	for _, table := range []string{"filter", "nat"} {
		existing[table], _ = f.Chains(table)
	}
	text := next.Replace(existing)
	_, deleted := chainsIn(text)
	if got, want := strings.Join(deleted, " "), "KLAB-SEP-LEFTOVERENDPOINT0 KLAB-SVC-LEFTOVERFROMBEFORE"; got != want {
		t.Errorf("deleted %q, want %q", got, want)
	}
	mustRestore(t, f, text)
	assertHolds(t, f, next)
	for _, c := range []struct{ table, chain string }{{"nat", "KLAB-POSTROUTING"}, {"filter", "KLAB-FORWARD"}, {"nat", "DOCKER"}} {
		if _, ok := f.Rules(c.table, c.chain); !ok {
			t.Errorf("%s/%s is gone: the proxy deleted a chain that is not its own", c.table, c.chain)
		}
	}
}

// However the services change, a chain of partial updates leaves exactly
// what one full write of the final state would.
func TestUpdatesConverge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f := NewFakeApplier()
	var prev *Ruleset
	for step := range 200 {
		var services []*api.Service
		var eps []*api.Endpoints
		for i := range 8 {
			if rng.IntN(4) == 0 {
				continue // this service does not exist at this step
			}
			name := fmt.Sprintf("svc%d", i)
			var opts []func(*api.Service)
			switch rng.IntN(4) {
			case 1:
				opts = append(opts, nodePort(30000+int32(i)))
			case 2:
				opts = append(opts, loadBalancer(30000+int32(i)), localPolicy)
			case 3:
				opts = append(opts, affinity(60))
			}
			services = append(services, service("default", name, fmt.Sprintf("10.96.0.%d", i+1), opts...))
			var addrs []string
			for j := range rng.IntN(4) {
				addrs = append(addrs, fmt.Sprintf("10.244.%d.%d@node%d", j+1, i+1, rng.IntN(2)+1))
			}
			eps = append(eps, endpoints("default", name, addrs...))
		}
		next := Generate(services, eps, node1)
		text := next.Text()
		if prev != nil {
			text = next.Update(prev)
		}
		if err := f.Restore(text); err != nil {
			t.Fatalf("step %d: %v\n%s", step, err, text)
		}
		assertHolds(t, f, next)
		if t.Failed() {
			t.Fatalf("step %d diverged", step)
		}
		prev = next
	}
}

func TestCleanup(t *testing.T) {
	f := NewFakeApplier()
	rs := Generate([]*api.Service{service("default", "kubia", "10.96.0.10", nodePort(30080))},
		[]*api.Endpoints{endpoints("default", "kubia", "10.244.1.2")}, node1)
	mustRestore(t, f, rs.Text())
	if err := f.EnsureJumps(Jumps); err != nil {
		t.Fatal(err)
	}
	f.AddChain("filter", "KLAB-FORWARD", "-s 10.244.0.0/16 -j ACCEPT") // the kubelet's

	if err := Cleanup(f); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"filter", "nat"} {
		chains, _ := f.Chains(table)
		for _, c := range chains {
			if ownedChain(c) {
				t.Errorf("%s/%s left after cleanup", table, c)
			}
		}
	}
	if n := f.JumpCount(); n != 0 {
		t.Errorf("%d jumps left after cleanup", n)
	}
	if _, ok := f.Rules("filter", "KLAB-FORWARD"); !ok {
		t.Error("cleanup deleted the kubelet's KLAB-FORWARD")
	}
	if err := Cleanup(f); err != nil { // nothing left to do is fine
		t.Errorf("second cleanup: %v", err)
	}
}

// chainsIn reads an iptables-restore input: the chains it writes and the
// chains it deletes, each sorted.
func chainsIn(text string) (written, deleted []string) {
	declared := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		if name, ok := strings.CutPrefix(l, ":"); ok {
			declared[strings.Fields(name)[0]] = true
		}
		if name, ok := strings.CutPrefix(l, "-X "); ok {
			deleted = append(deleted, name)
		}
	}
	for name := range declared {
		if !slices.Contains(deleted, name) {
			written = append(written, name)
		}
	}
	slices.Sort(written)
	slices.Sort(deleted)
	return written, deleted
}

func expandAll(symbolic []string) string {
	var out []string
	for _, s := range symbolic {
		out = append(out, expand(s))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func mustRestore(t *testing.T, f *FakeApplier, text string) {
	t.Helper()
	if err := f.Restore(text); err != nil {
		t.Fatalf("restore: %v\n%s", err, text)
	}
}

// assertHolds checks that f holds exactly the proxy chains of rs, with
// exactly their rules.
func assertHolds(t *testing.T, f *FakeApplier, rs *Ruleset) {
	t.Helper()
	for _, table := range rs.Tables {
		want := map[string]bool{}
		for _, c := range table.Chains {
			want[c.Name] = true
			got, ok := f.Rules(table.Name, c.Name)
			if !ok {
				t.Errorf("%s/%s missing", table.Name, c.Name)
			} else if !slices.Equal(got, c.Rules) {
				t.Errorf("%s/%s holds\n  %s\nwant\n  %s", table.Name, c.Name, strings.Join(got, "\n  "), strings.Join(c.Rules, "\n  "))
			}
		}
		chains, _ := f.Chains(table.Name)
		for _, c := range chains {
			if ownedChain(c) && !want[c] {
				t.Errorf("%s/%s is left over", table.Name, c)
			}
		}
	}
}
