package leaderelection

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// fakeLeases is an apiserver of one kind: it keeps leases by name, bumps
// a resourceVersion on every write, refuses stale updates with 409 and
// records every write.
type fakeLeases struct {
	mu     sync.Mutex
	rv     int
	leases map[string]*api.Lease
	writes []string // "create <holder>", "update <holder>"
	fail   error    // every call fails with it, when set
}

var _ Leases = (*fakeLeases)(nil)

func newFakeLeases() *fakeLeases { return &fakeLeases{leases: map[string]*api.Lease{}} }

func status(code int32, reason string) *api.Status {
	return &api.Status{Status: "Failure", Code: code, Reason: reason, Message: reason}
}

func (f *fakeLeases) Get(_ context.Context, ns, name string) (*api.Lease, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	l, ok := f.leases[ns+"/"+name]
	if !ok {
		return nil, status(http.StatusNotFound, "NotFound")
	}
	return api.DeepCopy(l), nil
}

func (f *fakeLeases) Create(_ context.Context, l *api.Lease) (*api.Lease, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	key := l.Namespace + "/" + l.Name
	if _, ok := f.leases[key]; ok {
		return nil, status(http.StatusConflict, "AlreadyExists")
	}
	return f.store(key, l, "create"), nil
}

func (f *fakeLeases) Update(_ context.Context, l *api.Lease) (*api.Lease, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	key := l.Namespace + "/" + l.Name
	if old, ok := f.leases[key]; !ok || old.ResourceVersion != l.ResourceVersion {
		return nil, status(http.StatusConflict, "Conflict")
	}
	return f.store(key, l, "update"), nil
}

func (f *fakeLeases) store(key string, l *api.Lease, verb string) *api.Lease {
	f.rv++
	l = api.DeepCopy(l)
	l.ResourceVersion = strconv.Itoa(f.rv)
	f.leases[key] = l
	f.writes = append(f.writes, verb+" "+l.Holder())
	return api.DeepCopy(l)
}

func (f *fakeLeases) lease() *api.Lease {
	f.mu.Lock()
	defer f.mu.Unlock()
	return api.DeepCopy(f.leases["kube-system/kube-scheduler"])
}

// clock is a clock the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func newElector(t *testing.T, leases Leases, id string, c *clock) *Elector {
	t.Helper()
	e, err := New(Config{Lock: leases, Namespace: "kube-system", Name: "kube-scheduler", Identity: id, Now: c.Now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestTakeTurns plays two candidates against one lease on a fake clock:
// who gets it, when the other may take it, and what the lease says.
func TestTakeTurns(t *testing.T) {
	ctx := context.Background()
	leases, c := newFakeLeases(), &clock{now: t0}
	a, b := newElector(t, leases, "host-a_1", c), newElector(t, leases, "host-b_2", c)
	try := func(e *Elector, want bool) {
		t.Helper()
		ok, err := e.tryAcquireOrRenew(ctx)
		if ok != want || err != nil {
			t.Fatalf("%s at %s: ok=%v err=%v; want ok=%v", e.cfg.Identity, c.Now().Sub(t0), ok, err, want)
		}
	}
	steps := []struct {
		name       string
		step       time.Duration
		who        *Elector
		want       bool
		holder     string
		transition int32
	}{
		{"a creates the lease", 0, a, true, "host-a_1", 0},
		{"b sees it held", 0, b, false, "host-a_1", 0},
		{"a renews", 2 * time.Second, a, true, "host-a_1", 0},
		{"b saw the renewal: waits again", 1 * time.Second, b, false, "host-a_1", 0},
		{"a is silent; 14 s after b last saw a change, still held", 14 * time.Second, b, false, "host-a_1", 0},
		{"15 s after, b takes it", 1 * time.Second, b, true, "host-b_2", 1},
		{"a comes back: b's lease is fresh", 1 * time.Second, a, false, "host-b_2", 1},
		{"b renews: no new transition", 0, b, true, "host-b_2", 1},
	}
	for _, s := range steps {
		c.step(s.step)
		try(s.who, s.want)
		l := leases.lease()
		if l.Holder() != s.holder || *l.Spec.LeaseTransitions != s.transition {
			t.Fatalf("%s: lease held by %q with %d transitions; want %q, %d", s.name, l.Holder(), *l.Spec.LeaseTransitions, s.holder, s.transition)
		}
	}
	l := leases.lease()
	if *l.Spec.LeaseDurationSeconds != 15 || !l.Spec.RenewTime.Equal(c.Now()) || !l.Spec.AcquireTime.Equal(t0.Add(18*time.Second)) {
		t.Errorf("lease spec %+v; want duration 15, renewed now, acquired when b took it", l.Spec)
	}
	want := []string{"create host-a_1", "update host-a_1", "update host-b_2", "update host-b_2"}
	if got := leases.writes; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("writes %v; want %v", got, want)
	}
}

// TestReleasedLeaseIsFree: a lease given up (no holder) is taken at once.
func TestReleasedLeaseIsFree(t *testing.T) {
	leases, c := newFakeLeases(), &clock{now: t0}
	leases.store("kube-system/kube-scheduler", &api.Lease{ObjectMeta: api.ObjectMeta{Name: "kube-scheduler", Namespace: "kube-system"},
		Spec: api.LeaseSpec{LeaseDurationSeconds: api.Int32(1), LeaseTransitions: api.Int32(4)}}, "create")
	e := newElector(t, leases, "host-a_1", c)
	if ok, err := e.tryAcquireOrRenew(context.Background()); !ok || err != nil {
		t.Fatalf("ok=%v err=%v; want the free lease taken", ok, err)
	}
	if l := leases.lease(); *l.Spec.LeaseTransitions != 5 {
		t.Errorf("transitions %d; want 5", *l.Spec.LeaseTransitions)
	}
}

// TestConfigChecks: the durations must nest as client-go requires.
func TestConfigChecks(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", Config{}, ""},
		{"renew deadline too long", Config{LeaseDuration: 5 * time.Second, RenewDeadline: 5 * time.Second},
			"leader election: the lease duration (5s) must be greater than the renew deadline (5s)"},
		{"retry too long", Config{RetryPeriod: 10 * time.Second},
			"leader election: the renew deadline (10s) must be greater than the retry period (10s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Lock, tt.cfg.Namespace, tt.cfg.Name, tt.cfg.Identity = newFakeLeases(), "kube-system", "x", "me"
			_, err := New(tt.cfg, nil)
			if got := ""; err != nil {
				got = err.Error()
				if got != tt.want {
					t.Fatalf("New: %v; want %q", err, tt.want)
				}
			} else if tt.want != "" {
				t.Fatalf("New: no error; want %q", tt.want)
			}
		})
	}
}

// TestRunLeadsThenLoses runs the whole loop on short real periods: a
// candidate acquires, leads, keeps renewing, and when the apiserver stops
// answering for the renew deadline, its lead context ends and Run
// returns with Lost.
func TestRunLeadsThenLoses(t *testing.T) {
	leases := newFakeLeases()
	e, err := New(Config{Lock: leases, Namespace: "kube-system", Name: "kube-scheduler", Identity: "a",
		LeaseDuration: 300 * time.Millisecond, RenewDeadline: 200 * time.Millisecond, RetryPeriod: 20 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	led := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		e.Run(ctx, func(ctx context.Context) {
			close(led)
			<-ctx.Done()
			close(ended)
		})
	}()
	select {
	case <-led:
	case <-ctx.Done():
		t.Fatal("never led")
	}
	// A leader renews every RetryPeriod: three writes soon (within a
	// generous bound, so that a loaded machine does not fail the test).
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		leases.mu.Lock()
		renewals := len(leases.writes)
		if renewals >= 3 {
			leases.fail = status(http.StatusServiceUnavailable, "ServiceUnavailable")
			leases.mu.Unlock()
			break
		}
		leases.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("%d writes in 3 s of leading; want the lease renewed every 20 ms", renewals)
		}
	}
	select {
	case <-ended:
	case <-ctx.Done():
		t.Fatal("still leading with the apiserver gone")
	}
	for !e.Lost() && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if !e.Lost() {
		t.Error("Lost() = false after the renew deadline passed")
	}
}

// TestReleaseOnCancel: a leader stopped on purpose hands the lease back.
func TestReleaseOnCancel(t *testing.T) {
	leases := newFakeLeases()
	e, err := New(Config{Lock: leases, Namespace: "kube-system", Name: "kube-scheduler", Identity: "a", ReleaseOnCancel: true,
		LeaseDuration: 300 * time.Millisecond, RenewDeadline: 200 * time.Millisecond, RetryPeriod: 20 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.Run(ctx, func(context.Context) { cancel() })
	if l := leases.lease(); l.Holder() != "" || *l.Spec.LeaseDurationSeconds != 1 || e.Lost() {
		t.Errorf("after a cancel: holder %q, duration %d, lost %v; want released", l.Holder(), *l.Spec.LeaseDurationSeconds, e.Lost())
	}
}
