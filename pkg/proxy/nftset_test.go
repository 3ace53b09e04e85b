package proxy

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// Update writes only what changed; Replace writes everything and deletes
// what is stale; either way the table (here the FakeNFT) ends up holding
// exactly the generated one.

func TestNFTUpdate(t *testing.T) {
	base := func() ([]*api.Service, []*api.Endpoints) {
		return []*api.Service{
				service("default", "kubia", "10.96.0.10", nodePort(30080)),
				service("default", "other", "10.96.0.11"),
				service("default", "sticky", "10.96.0.12", affinity(600)),
			}, []*api.Endpoints{
				endpoints("default", "kubia", "10.244.1.2", "10.244.2.2"),
				endpoints("default", "other", "10.244.1.9"),
				endpoints("default", "sticky", "10.244.1.7"),
			}
	}
	type change func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints)
	tests := []struct {
		name   string
		change change
		want   []string // the lines of the update, exactly, without the table block
		block  []string // chains and sets the table block writes
	}{
		{
			name:   "nothing changed: nothing written",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) { return s, e },
		},
		{
			name: "an endpoint added: elements only, whatever the number of services",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				e[0] = endpoints("default", "kubia", "10.244.1.2", "10.244.2.2", "10.244.3.2")
				return s, e
			},
			want: []string{
				"delete element ip kubelab service-ips { 10.96.0.10 . tcp . 80 }",
				"delete element ip kubelab service-nodeports { tcp . 30080 }",
				"delete chain ip kubelab cluster-2", // kubia was the only service with 2
				"delete chain ip kubelab nodeport-2",
				"add element ip kubelab service-ips { 10.96.0.10 . tcp . 80 : goto cluster-3 }",
				"add element ip kubelab service-nodeports { tcp . 30080 : goto nodeport-3 }",
				"add element ip kubelab service-endpoints { 10.96.0.10 . tcp . 80 . 2 : 10.244.3.2 }",
				"add element ip kubelab nodeport-endpoints { tcp . 30080 . 2 : 10.244.3.2 }",
				"add element ip kubelab hairpin { 10.244.3.2 . 10.244.3.2 }",
			},
			block: []string{"chain cluster-3", "chain nodeport-3"},
		},
		{
			name: "an endpoint replaced: two elements of each map",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				e[1] = endpoints("default", "other", "10.244.1.8")
				return s, e
			},
			want: []string{
				"delete element ip kubelab service-endpoints { 10.96.0.11 . tcp . 80 . 0 }",
				"delete element ip kubelab hairpin { 10.244.1.9 . 10.244.1.9 }",
				"add element ip kubelab service-endpoints { 10.96.0.11 . tcp . 80 . 0 : 10.244.1.8 }",
				"add element ip kubelab hairpin { 10.244.1.8 . 10.244.1.8 }",
			},
		},
		{
			name: "the last endpoint gone: refused instead, the shared picker deleted with it",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				return s, []*api.Endpoints{e[0], e[2]}
			},
			want: []string{
				"delete element ip kubelab service-ips { 10.96.0.11 . tcp . 80 }",
				"delete element ip kubelab service-endpoints { 10.96.0.11 . tcp . 80 . 0 }",
				"delete element ip kubelab service-target-ports { 10.96.0.11 . tcp . 80 }",
				"delete element ip kubelab hairpin { 10.244.1.9 . 10.244.1.9 }",
				"delete chain ip kubelab cluster-1",
				`add element ip kubelab no-endpoint-services { 10.96.0.11 . tcp . 80 comment "default/other:http has no endpoints" : goto refuse }`,
			},
		},
		{
			name: "an endpoint of a service with affinity added: its chain rewritten, a set for the new endpoint",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				e[2] = endpoints("default", "sticky", "10.244.1.7", "10.244.1.6")
				return s, e
			},
			want: []string{
				"flush chain ip kubelab svc-default/sticky/tcp/http",
				"add element ip kubelab hairpin { 10.244.1.6 . 10.244.1.6 }",
			},
			block: []string{"set aff-default/sticky/tcp/http__10.244.1.6/8080", "chain svc-default/sticky/tcp/http"},
		},
		{
			name: "a service with affinity deleted: its chain, then its sets",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				return s[:2], e[:2]
			},
			want: []string{
				"delete element ip kubelab service-ips { 10.96.0.12 . tcp . 80 }",
				"delete element ip kubelab hairpin { 10.244.1.7 . 10.244.1.7 }",
				"delete chain ip kubelab svc-default/sticky/tcp/http",
				"delete set ip kubelab aff-default/sticky/tcp/http__10.244.1.7/8080",
			},
		},
		{
			name: "the affinity timeout changed: the sets declared again, the rules unchanged",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				s[2] = service("default", "sticky", "10.96.0.12", affinity(60))
				return s, e
			},
			block: []string{"set aff-default/sticky/tcp/http__10.244.1.7/8080"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFakeNFT()
			s, e := base()
			prev := GenerateNFT(s, e, node1)
			if err := f.Run(prev.Replace(nil)); err != nil {
				t.Fatal(err)
			}
			s, e = tt.change(base())
			next := GenerateNFT(s, e, node1)
			text := next.Update(prev)
			lines, block := splitUpdate(text)
			if strings.Join(lines, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("update:\n  %s\nwant:\n  %s", strings.Join(lines, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if strings.Join(block, "\n") != strings.Join(tt.block, "\n") {
				t.Errorf("the update declares %q, want %q", block, tt.block)
			}
			if err := f.Run(text); err != nil {
				t.Fatalf("nft would refuse the update: %v\n%s", err, text)
			}
			if err := f.Holds(next); err != nil {
				t.Errorf("after the update: %v", err)
			}
		})
	}
}

// splitUpdate separates an update into its element, flush and delete
// commands and the chains and sets it declares ("chain NAME", "set
// NAME"); the rules of the declared chains are left out.
func splitUpdate(text string) (lines, declared []string) {
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		f := strings.Fields(l)
		switch {
		case l == "", len(f) > 1 && f[0] == "add" && f[1] == "rule":
		case len(f) > 4 && f[0] == "add" && (f[1] == "chain" || f[1] == "set" || f[1] == "map"):
			declared = append(declared, f[1]+" "+f[4])
		default:
			lines = append(lines, l)
		}
	}
	return lines, declared
}

// Replace makes the table whatever it held: objects of services deleted
// while the proxy was down go, the clients that the affinity sets
// remember stay.
func TestNFTReplace(t *testing.T) {
	f := NewFakeNFT()
	old := GenerateNFT([]*api.Service{service("default", "gone", "10.96.0.9", affinity(60)),
		service("default", "sticky", "10.96.0.12", affinity(600))},
		[]*api.Endpoints{endpoints("default", "gone", "10.244.1.9"), endpoints("default", "sticky", "10.244.1.7")}, node1)
	if err := f.Run(old.Replace(nil)); err != nil {
		t.Fatal(err)
	}
	const remembered = "aff-default/sticky/tcp/http__10.244.1.7/8080"
	if err := f.Run("add element ip kubelab " + remembered + " { 10.244.1.50 }\n"); err != nil {
		t.Fatal(err)
	}
	next := GenerateNFT([]*api.Service{service("default", "sticky", "10.96.0.12", affinity(600))},
		[]*api.Endpoints{endpoints("default", "sticky", "10.244.1.7")}, node1)
	existing, _ := f.Objects()
	text := next.Replace(existing)
	for _, want := range []string{"delete chain ip kubelab svc-default/gone/tcp/http",
		"delete set ip kubelab aff-default/gone/tcp/http__10.244.1.9/8080"} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("the replacement lacks %q", want)
		}
	}
	if err := f.Run(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Holds(next); err != nil {
		t.Error(err)
	}
	if e, _ := f.Elements(remembered); len(e) != 1 {
		t.Errorf("the affinity set holds %v after a full sync, want the client it remembered", e)
	}
	// Replace works on a table that holds it already.
	existing, _ = f.Objects()
	if err := f.Run(next.Replace(existing)); err != nil {
		t.Fatal(err)
	}
	if err := f.Holds(next); err != nil {
		t.Error(err)
	}
	if err := CleanupNFT(f); err != nil {
		t.Fatal(err)
	}
	if objs, _ := f.Objects(); len(objs) != 0 {
		t.Errorf("after cleanup: %v", objs)
	}
	if err := CleanupNFT(f); err != nil {
		t.Errorf("a second cleanup: %v", err)
	}
}

// A random walk through cluster states: after each Update the table holds
// exactly the generated one, and nft accepts every step. This is what
// lets a sync write only the difference.
func TestNFTUpdateRandomWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f := NewFakeNFT()
	var prev *NFTRuleset
	for step := range 200 {
		s, e := randomCluster(rng)
		next := GenerateNFT(s, e, node1)
		text := next.Replace(nil)
		if prev != nil {
			text = next.Update(prev)
		}
		if err := f.Run(text); err != nil {
			t.Fatalf("step %d: nft would refuse: %v\n%s", step, err, text)
		}
		if err := f.Holds(next); err != nil {
			t.Fatalf("step %d: %v\nafter:\n%s", step, err, text)
		}
		prev = next
	}
}

// randomCluster is a few services of every kind, each with a few of a
// small pool of endpoints, so that consecutive states overlap.
func randomCluster(rng *rand.Rand) ([]*api.Service, []*api.Endpoints) {
	var services []*api.Service
	var eps []*api.Endpoints
	for i := range 6 {
		if rng.IntN(4) == 0 {
			continue // this one is deleted
		}
		name := fmt.Sprintf("s%d", i)
		var opts []func(*api.Service)
		switch rng.IntN(5) {
		case 1:
			opts = append(opts, nodePort(30000+int32(i)))
		case 2:
			opts = append(opts, loadBalancer(30000+int32(i)))
		case 3:
			opts = append(opts, loadBalancer(30000+int32(i)), localPolicy)
		}
		if rng.IntN(3) == 0 {
			opts = append(opts, affinity(int32(60*(1+rng.IntN(2)))))
		}
		services = append(services, service("default", name, fmt.Sprintf("10.96.0.%d", 10+i), opts...))
		var addrs []string
		for j := range 5 {
			if rng.IntN(2) == 0 {
				addrs = append(addrs, fmt.Sprintf("10.244.%d.%d@node%d", 1+j%2, 2+j, 1+j%2))
			}
		}
		eps = append(eps, endpoints("default", name, addrs...))
	}
	return services, slices.Clip(eps)
}

// The objects of the proxy's table are read from listings of every
// table of the family: Docker's and iptables-nft's tables are not ours.
func TestParseObjects(t *testing.T) {
	listing := `table ip filter {
	chain FORWARD {
		type filter hook forward priority filter; policy drop;
	}
}
table ip kubelab {
	chain services {
	}
	chain svc-default/kubia/tcp/http {
	}
}
table ip kubelab {
	set hairpin {
		type ipv4_addr . ipv4_addr
	}
}
table ip nat {
	map other {
		type ipv4_addr : verdict
	}
}
table ip kubelab {
	map service-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
	}
}
`
	got, err := parseObjects(bytes.NewBufferString(listing))
	if err != nil {
		t.Fatal(err)
	}
	want := []NFTObject{{"chain", "services"}, {"chain", "svc-default/kubia/tcp/http"}, {"set", "hairpin"}, {"map", "service-ips"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
