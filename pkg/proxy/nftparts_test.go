package proxy

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// A partial regeneration gives what GenerateNFT gives: the same text, the
// same ServicePorts, the same index for the next one; and the update
// between two partial ones is the update between two full ones.

// clusterWalk is a small cluster that changes a service or two at a time.
// Its services share a pool of endpoints (shared hairpin elements), some
// have the same number of them (shared pick chains), and its
// LoadBalancers, three at most, all want port 80 of the node's address
// (contests).
type clusterWalk struct {
	rng       *rand.Rand
	services  map[string]*api.Service
	endpoints map[string]*api.Endpoints
}

func newClusterWalk(seed uint64) *clusterWalk {
	w := &clusterWalk{rng: rand.New(rand.NewPCG(seed, seed+1)), services: map[string]*api.Service{},
		endpoints: map[string]*api.Endpoints{}}
	for i := range 8 {
		w.change(i)
	}
	return w
}

// step changes one or two services, and returns their keys.
func (w *clusterWalk) step() map[string]bool {
	keys := map[string]bool{}
	for range 1 + w.rng.IntN(2) {
		i := w.rng.IntN(8)
		w.change(i)
		keys[fmt.Sprintf("default/s%d", i)] = true
	}
	return keys
}

// change makes service i anew, of a random kind, or deletes it.
func (w *clusterWalk) change(i int) {
	name := fmt.Sprintf("s%d", i)
	key := "default/" + name
	if w.rng.IntN(6) == 0 {
		delete(w.services, key)
		delete(w.endpoints, key)
		return
	}
	var opts []func(*api.Service)
	switch kind := w.rng.IntN(5); {
	case kind == 1:
		opts = append(opts, nodePort(30000+int32(i)))
	case kind == 2 && i < 3: // three may be LoadBalancers, and contest
		opts = append(opts, loadBalancer(30000+int32(i)))
	case kind == 3 && i < 3:
		opts = append(opts, loadBalancer(30000+int32(i)), localPolicy)
	}
	if w.rng.IntN(4) == 0 {
		opts = append(opts, affinity(int32(60*(1+w.rng.IntN(2)))))
	}
	w.services[key] = service("default", name, fmt.Sprintf("10.96.0.%d", 10+i), opts...)
	var addrs []string
	for j := range 5 {
		if w.rng.IntN(2) == 0 {
			addrs = append(addrs, fmt.Sprintf("10.244.%d.%d@node%d", 1+j%2, 2+j, 1+j%2))
		}
	}
	if w.rng.IntN(5) == 0 {
		addrs = append(addrs, "192.0.2.9") // outside the cluster: refused
	}
	w.endpoints[key] = endpoints("default", name, addrs...)
}

// objects are the services and endpoints of keys, or all with nil keys.
func (w *clusterWalk) objects(keys map[string]bool) ([]*api.Service, []*api.Endpoints) {
	var s []*api.Service
	var e []*api.Endpoints
	for key, svc := range w.services {
		if keys == nil || keys[key] {
			s = append(s, svc)
		}
	}
	for key, ep := range w.endpoints {
		if keys == nil || keys[key] {
			e = append(e, ep)
		}
	}
	return s, e
}

func TestRegenerateEqualsGenerate(t *testing.T) {
	w := newClusterWalk(7)
	s0, e0 := w.objects(nil)
	prev := GenerateNFT(s0, e0, node1)
	f := NewFakeNFT()
	if err := f.Run(prev.Replace(nil)); err != nil {
		t.Fatal(err)
	}
	partials, fallbacks := 0, 0
	for step := range 300 {
		keys := w.step()
		s, e := w.objects(nil)
		full := GenerateNFT(s, e, node1)
		s, e = w.objects(keys)
		next := prev.regenerate(keys, s, e, node1)
		if next == nil {
			// Only a contest for a map entry may stop it: then the changed
			// services' entries are among the contested ones.
			if !involvesContest(prev, full, keys) {
				t.Fatalf("step %d: regenerate gave up on %v, which met no contest", step, keys)
			}
			fallbacks++
			next = full
		} else {
			partials++
			if got, want := next.Text(), full.Text(); got != want {
				t.Fatalf("step %d, %v changed: the partial table differs from the full one\n%s", step, keys, firstDiff(got, want))
			}
			if !slices.EqualFunc(next.Ports, full.Ports, ServicePort.equal) {
				t.Fatalf("step %d: ServicePorts differ:\n%+v\n%+v", step, next.Ports, full.Ports)
			}
			if !reflect.DeepEqual(next.index, full.index) {
				t.Fatalf("step %d: the index differs from a full generation's", step)
			}
		}
		if err := f.Run(next.Update(prev)); err != nil {
			t.Fatalf("step %d: nft would refuse the update: %v", step, err)
		}
		if err := f.Holds(full); err != nil {
			t.Fatalf("step %d: after the update: %v", step, err)
		}
		prev = next
	}
	t.Logf("%d partial regenerations, %d fell back to a full one", partials, fallbacks)
	if partials < 200 || fallbacks == 0 {
		t.Errorf("%d partial regenerations and %d fallbacks: the walk does not exercise both", partials, fallbacks)
	}
}

// involvesContest reports whether a changed service asked, before or
// after, for a map entry that more than one service asked for.
func involvesContest(prev, next *NFTRuleset, keys map[string]bool) bool {
	for key := range keys {
		for _, r := range []*NFTRuleset{prev, next} {
			if part := r.index.parts[key]; part != nil {
				for _, c := range part.claims {
					if r.index.contested[c] {
						return true
					}
				}
			}
		}
	}
	return false
}

// sameSlice reports whether a and b are one slice, not two equal ones.
func sameSlice(a, b []NFTElement) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func firstDiff(got, want string) string {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl[i], wl[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(gl), len(wl))
}

func TestRegenerate(t *testing.T) {
	base := func() ([]*api.Service, []*api.Endpoints) {
		return []*api.Service{
				service("default", "a", "10.96.0.10"),
				service("default", "b", "10.96.0.11"),
				service("default", "lb1", "10.96.0.12", loadBalancer(30012)),
				service("default", "lb2", "10.96.0.13", loadBalancer(30013)),
			}, []*api.Endpoints{
				endpoints("default", "a", "10.244.1.2", "10.244.1.3"),
				endpoints("default", "b", "10.244.1.2"),
				endpoints("default", "lb1", "10.244.1.4"),
				endpoints("default", "lb2", "10.244.1.5"),
			}
	}
	tests := []struct {
		name    string
		key     string
		change  func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints)
		giveUp  bool
		touched []string // the fixed sets whose elements change; the others are the last table's
	}{
		{
			name: "an endpoint another service also has stays in hairpin",
			key:  "default/b",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				e[1] = endpoints("default", "b", "10.244.1.9")
				return s, e
			},
			touched: []string{nftServiceEPs, nftHairpin},
		},
		{
			name: "a service deleted: its entries go, the pick chain it shared stays",
			key:  "default/b",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				return append(s[:1:1], s[2:]...), append(e[:1:1], e[2:]...)
			},
			touched: []string{nftServiceIPs, nftServiceEPs, nftServicePorts},
		},
		{
			name: "the loser of a contest for the node's port 80 changes: give up",
			key:  "default/lb2",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				e[3] = endpoints("default", "lb2", "10.244.1.6")
				return s, e
			},
			giveUp: true,
		},
		{
			name: "a service that would enter a contest: give up",
			key:  "default/a",
			change: func(s []*api.Service, e []*api.Endpoints) ([]*api.Service, []*api.Endpoints) {
				s[0] = service("default", "a", "10.96.0.10", loadBalancer(30010))
				return s, e
			},
			giveUp: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s0, e0 := base()
			prev := GenerateNFT(s0, e0, node1)
			s, e := tt.change(base())
			full := GenerateNFT(s, e, node1)
			var mine []*api.Service
			var theirs []*api.Endpoints
			for _, svc := range s {
				if "default/"+svc.Name == tt.key {
					mine = append(mine, svc)
				}
			}
			for _, ep := range e {
				if "default/"+ep.Name == tt.key {
					theirs = append(theirs, ep)
				}
			}
			next := prev.regenerate(map[string]bool{tt.key: true}, mine, theirs, node1)
			if tt.giveUp {
				if next != nil {
					t.Fatal("regenerate went on through a contest")
				}
				return
			}
			if next == nil {
				t.Fatal("regenerate gave up")
			}
			if got, want := next.Text(), full.Text(); got != want {
				t.Fatalf("the partial table differs from the full one\n%s", firstDiff(got, want))
			}
			var touched []string
			for i, s := range next.Sets[:nftFixedSets] {
				if !sameSlice(s.Elements, prev.Sets[i].Elements) {
					touched = append(touched, s.Name)
				}
			}
			if !slices.Equal(touched, tt.touched) {
				t.Errorf("sets copied: %v, want %v (the others shared with the last table)", touched, tt.touched)
			}
		})
	}
}
