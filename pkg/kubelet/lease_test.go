package kubelet

import (
	"context"
	"strconv"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// fakeLeaseAPI keeps Leases by namespace/name as the apiserver does: a
// stale update is a conflict. It records each call.
type fakeLeaseAPI struct {
	leases  map[string]*api.Lease
	rv      int
	actions []string
}

var _ leaseAPI = (*fakeLeaseAPI)(nil)

func (f *fakeLeaseAPI) GetLease(_ context.Context, ns, name string) (*api.Lease, error) {
	f.actions = append(f.actions, "get")
	l, ok := f.leases[ns+"/"+name]
	if !ok {
		return nil, &api.Status{Reason: "NotFound", Code: 404}
	}
	return api.DeepCopy(l), nil
}

func (f *fakeLeaseAPI) CreateLease(_ context.Context, l *api.Lease) (*api.Lease, error) {
	f.actions = append(f.actions, "create")
	if _, ok := f.leases[l.Namespace+"/"+l.Name]; ok {
		return nil, &api.Status{Reason: "AlreadyExists", Code: 409}
	}
	return f.store(l), nil
}

func (f *fakeLeaseAPI) UpdateLease(_ context.Context, l *api.Lease) (*api.Lease, error) {
	f.actions = append(f.actions, "update")
	cur, ok := f.leases[l.Namespace+"/"+l.Name]
	if !ok {
		return nil, &api.Status{Reason: "NotFound", Code: 404}
	}
	if cur.ResourceVersion != l.ResourceVersion {
		return nil, &api.Status{Reason: "Conflict", Code: 409}
	}
	return f.store(l), nil
}

func (f *fakeLeaseAPI) store(l *api.Lease) *api.Lease {
	f.rv++
	l = api.DeepCopy(l)
	l.ResourceVersion = strconv.Itoa(f.rv)
	f.leases[l.Namespace+"/"+l.Name] = l
	return api.DeepCopy(l)
}

func TestNodeLease(t *testing.T) {
	f := &fakeLeaseAPI{leases: map[string]*api.Lease{}}
	clock := &fakeClock{t: t0}
	l := &nodeLease{api: f, node: "n1", now: clock.Now}
	node := &api.Node{ObjectMeta: api.ObjectMeta{Name: "n1", UID: "uid-n1"}}
	ctx := context.Background()

	if err := l.renew(ctx, node); err != nil {
		t.Fatal(err)
	}
	wantStrings(t, "the first renewal", f.actions, []string{"get", "create"})
	got := f.leases["kube-node-lease/n1"]
	if got.Holder() != "n1" || *got.Spec.LeaseDurationSeconds != 40 || !got.Spec.RenewTime.Equal(t0) {
		t.Errorf("lease spec %+v; want held by n1 for 40 s, renewed now", got.Spec)
	}
	if refs := got.OwnerReferences; len(refs) != 1 || refs[0].Kind != "Node" || refs[0].APIVersion != "v1" || refs[0].UID != "uid-n1" {
		t.Errorf("owner references %+v; want the Node", refs)
	}

	t.Run("a renewal writes without reading", func(t *testing.T) {
		f.actions = nil
		clock.Step(10 * time.Second)
		if err := l.renew(ctx, node); err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "calls", f.actions, []string{"update"})
		if got := f.leases["kube-node-lease/n1"]; !got.Spec.RenewTime.Equal(t0.Add(10 * time.Second)) {
			t.Errorf("renewTime %v", got.Spec.RenewTime)
		}
	})
	t.Run("a conflict reads again", func(t *testing.T) {
		f.store(f.leases["kube-node-lease/n1"]) // someone else wrote it
		f.actions = nil
		if err := l.renew(ctx, node); err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "calls", f.actions, []string{"update", "get", "update"})
	})
	t.Run("a deleted lease is made again", func(t *testing.T) {
		delete(f.leases, "kube-node-lease/n1")
		f.actions = nil
		if err := l.renew(ctx, node); err != nil {
			t.Fatal(err)
		}
		wantStrings(t, "calls", f.actions, []string{"update", "get", "create"})
	})
}

// TestStatusReportFrequency: with the Lease as the heartbeat, the status
// is posted only when it changed or when it is due.
func TestStatusReportFrequency(t *testing.T) {
	f := &fakeNodeAPI{nodes: map[string]*api.Node{}}
	clock := &fakeClock{t: t0}
	agent := newNodeAgent(f, clock)
	agent.reportEvery = 5 * time.Minute
	ctx := context.Background()
	if _, err := agent.register(ctx); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		step   time.Duration
		change func(n *api.Node)
		want   []string
	}{
		{"10 s later, nothing new: no write", 10 * time.Second, nil, []string{"get"}},
		{"4 min later, still nothing", 4 * time.Minute, nil, []string{"get"}},
		{"the controller says Unknown: posted at once", time.Second, func(n *api.Node) {
			n.Status.Conditions[0].Status = api.ConditionUnknown
		}, []string{"get", "updateStatus"}},
		{"10 s after that: nothing", 10 * time.Second, nil, []string{"get"}},
		{"5 min after the last post: due", 5 * time.Minute, nil, []string{"get", "updateStatus"}},
	}
	for _, s := range steps {
		clock.Step(s.step)
		if s.change != nil {
			s.change(f.nodes["n1"])
		}
		f.actions = nil
		n, err := agent.heartbeat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantStrings(t, s.name, f.actions, s.want)
		if c := readyCondition(t, n); c.Status != api.ConditionTrue && len(s.want) == 2 {
			t.Errorf("%s: Ready=%s after the post", s.name, c.Status)
		}
	}
}
