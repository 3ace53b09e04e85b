package client

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// get takes a key off q, failing the test if none comes.
func get(t *testing.T, q *Queue) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		key, _ := q.Get()
		got <- key
	}()
	select {
	case key := <-got:
		return key
	case <-time.After(5 * time.Second):
		t.Fatal("Get did not return")
		return ""
	}
}

func TestQueueCollapsesAdds(t *testing.T) {
	q := NewQueue("test")
	for _, k := range []string{"a", "b", "a", "a", "c", "b"} {
		q.Add(k)
	}
	if q.Len() != 3 {
		t.Fatalf("Len = %d, want 3", q.Len())
	}
	var got []string
	for range 3 {
		k := get(t, q)
		got = append(got, k)
		q.Done(k)
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("order = %v, want first-added first", got)
	}
}

func TestQueueRequeuesKeyAddedWhileProcessing(t *testing.T) {
	q := NewQueue("test")
	q.Add("a")
	k := get(t, q)
	q.Add("a") // the object changed while a worker held it
	q.Add("a")
	if q.Len() != 0 {
		t.Fatalf("Len = %d while a is held, want 0: no second worker may get it", q.Len())
	}
	q.Done(k)
	if q.Len() != 1 {
		t.Fatalf("Len = %d after Done, want 1", q.Len())
	}
	if k := get(t, q); k != "a" {
		t.Errorf("Get = %q, want a", k)
	}
	q.Done("a")
	if q.Len() != 0 {
		t.Errorf("Len = %d, want 0", q.Len())
	}
}

func TestQueueNeverHandsOneKeyToTwoWorkers(t *testing.T) {
	q := NewQueue("test")
	const keys = 5
	var active [keys]atomic.Int32
	var synced [keys]atomic.Int32

	var workers sync.WaitGroup
	for range 8 {
		workers.Go(func() {
			for {
				k, shutdown := q.Get()
				if shutdown {
					return
				}
				var i int
				fmt.Sscanf(k, "k%d", &i)
				if active[i].Add(1) != 1 {
					t.Errorf("key %s held by two workers", k)
				}
				time.Sleep(10 * time.Microsecond)
				synced[i].Add(1)
				active[i].Add(-1)
				q.Done(k)
			}
		})
	}
	var producers sync.WaitGroup
	for p := range 8 {
		producers.Go(func() {
			for n := range 500 {
				q.Add(fmt.Sprintf("k%d", (p+n)%keys))
			}
		})
	}
	producers.Wait()
	waitFor(t, "the queue to drain", func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return len(q.ready) == 0 && len(q.processing) == 0
	})
	q.ShutDown()
	workers.Wait()
	for i := range keys {
		if synced[i].Load() == 0 {
			t.Errorf("k%d never synced", i)
		}
	}
}

func TestQueueBackoff(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		max  time.Duration
		want []time.Duration
	}{
		{name: "doubles from 5ms", max: 0, want: []time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms}},
		{name: "stops at the cap", max: 30 * ms, want: []time.Duration{5 * ms, 10 * ms, 20 * ms, 30 * ms, 30 * ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue("test")
			if tt.max > 0 {
				q.SetMaxBackoff(tt.max)
			}
			var got []time.Duration
			for range tt.want {
				got = append(got, q.nextBackoff("k"))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("delays = %v, want %v", got, tt.want)
			}
			if n := q.NumRequeues("k"); n != len(tt.want) {
				t.Errorf("NumRequeues = %d, want %d", n, len(tt.want))
			}
			if n := q.NumRequeues("other"); n != 0 {
				t.Errorf("NumRequeues(other) = %d, want 0: back-off is per key", n)
			}
			q.Forget("k")
			if n := q.NumRequeues("k"); n != 0 {
				t.Errorf("NumRequeues after Forget = %d", n)
			}
			if d := q.nextBackoff("k"); d != 5*ms {
				t.Errorf("delay after Forget = %v, want 5ms", d)
			}
		})
	}
	t.Run("huge failure count stays at the cap", func(t *testing.T) {
		q := NewQueue("test")
		q.failures["k"] = 1000
		if d := q.nextBackoff("k"); d != defaultMaxBackoff {
			t.Errorf("delay = %v, want %v", d, defaultMaxBackoff)
		}
	})
}

func TestQueueDelayedAdds(t *testing.T) {
	tests := []struct {
		name string
		add  func(q *Queue)
		min  time.Duration
	}{
		{name: "AddAfter", add: func(q *Queue) { q.AddAfter("k", 20*time.Millisecond) }, min: 20 * time.Millisecond},
		{name: "AddRateLimited", add: func(q *Queue) { q.AddRateLimited("k"); q.AddRateLimited("k") }, min: 5 * time.Millisecond},
		{name: "AddAfter zero", add: func(q *Queue) { q.AddAfter("k", 0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue("test")
			start := time.Now()
			tt.add(q)
			if tt.min > 0 && q.Len() != 0 {
				t.Errorf("Len = %d right away, want 0", q.Len())
			}
			if k := get(t, q); k != "k" {
				t.Errorf("Get = %q", k)
			}
			if d := time.Since(start); d < tt.min {
				t.Errorf("key came after %v, want at least %v", d, tt.min)
			}
		})
	}
}

func TestQueueShutDown(t *testing.T) {
	q := NewQueue("test")
	results := make(chan bool, 2)
	for range 2 {
		go func() {
			_, shutdown := q.Get() // blocks: the queue is empty
			results <- shutdown
		}()
	}
	time.Sleep(5 * time.Millisecond) // let them block
	q.ShutDown()
	for range 2 {
		select {
		case shutdown := <-results:
			if !shutdown {
				t.Error("Get returned a key after ShutDown")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("ShutDown did not wake Get")
		}
	}
	q.Add("late")
	if q.Len() != 0 {
		t.Errorf("Add after ShutDown queued a key")
	}
	if _, shutdown := q.Get(); !shutdown {
		t.Error("Get after ShutDown did not say so")
	}
}

// TestQueueAddAfterKeepsOneWaitPerKey: a key asked for again and again
// while it waits is synced once, at its earliest deadline, as client-go's
// delaying queue does it.
func TestQueueAddAfterKeepsOneWaitPerKey(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		add     func(q *Queue)
		earlier time.Duration // the key must not come before this
		later   time.Duration // and must have come by this
	}{
		{name: "100 AddAfter of one key within the window", add: func(q *Queue) {
			for i := range 100 {
				q.AddAfter("k", 20*ms+time.Duration(i)*ms/10)
			}
		}, earlier: 20 * ms, later: 2 * time.Second},
		{name: "a later deadline does not push the key back", add: func(q *Queue) {
			q.AddAfter("k", 20*ms)
			q.AddAfter("k", time.Hour)
		}, earlier: 20 * ms, later: 2 * time.Second},
		{name: "an earlier deadline moves the key up", add: func(q *Queue) {
			q.AddAfter("k", time.Hour)
			q.AddAfter("k", 20*ms)
		}, earlier: 20 * ms, later: 2 * time.Second},
		{name: "back-off retries of one key", add: func(q *Queue) {
			for range 10 {
				q.AddRateLimited("k") // 5 ms, 10 ms … 2.5 s: the first wins
			}
		}, earlier: 5 * ms, later: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue("test")
			defer q.ShutDown()
			start := time.Now()
			tt.add(q)
			if q.Len() != 0 {
				t.Fatalf("Len = %d right away, want 0", q.Len())
			}
			if k := get(t, q); k != "k" {
				t.Fatalf("Get = %q", k)
			}
			took := time.Since(start)
			if took < tt.earlier || took > tt.later {
				t.Errorf("key came after %v, want between %v and %v", took, tt.earlier, tt.later)
			}
			q.Done("k")
			time.Sleep(60 * ms) // past every short deadline above
			if n := q.Len(); n != 0 {
				t.Errorf("Len = %d after the one Get, want 0: the key was synced more than once", n)
			}
			q.mu.Lock()
			waiting := len(q.delayed.byKey)
			q.mu.Unlock()
			if waiting != 0 {
				t.Errorf("%d keys still waiting, want 0: one wait per key", waiting)
			}
		})
	}
}

// TestQueueAddDoesNotCancelAWait: as in client-go, a key added now and
// also waiting is synced now and again when its wait is over.
func TestQueueAddDoesNotCancelAWait(t *testing.T) {
	q := NewQueue("test")
	defer q.ShutDown()
	q.AddAfter("k", 30*time.Millisecond)
	q.Add("k")
	if k := get(t, q); k != "k" {
		t.Fatalf("Get = %q", k)
	}
	q.Done("k")
	start := time.Now()
	if k := get(t, q); k != "k" {
		t.Fatalf("Get = %q", k)
	}
	if waited := time.Since(start); waited < 5*time.Millisecond {
		t.Errorf("the delayed add came after %v, want it to wait", waited)
	}
}

// TestQueueDelayedAddsInDeadlineOrder: one timer serves many keys, each
// added when its own time comes.
func TestQueueDelayedAddsInDeadlineOrder(t *testing.T) {
	q := NewQueue("test")
	defer q.ShutDown()
	for i, d := range []int{40, 10, 30, 20} {
		q.AddAfter(fmt.Sprintf("k%d", i), time.Duration(d)*time.Millisecond)
	}
	var got []string
	for range 4 {
		k := get(t, q)
		q.Done(k)
		got = append(got, k)
	}
	if want := []string{"k1", "k3", "k2", "k0"}; !slices.Equal(got, want) {
		t.Errorf("order = %v, want earliest deadline first %v", got, want)
	}
}

func TestQueueShutDownDropsWaitingKeys(t *testing.T) {
	q := NewQueue("test")
	q.AddAfter("k", 5*time.Millisecond)
	q.ShutDown()
	q.AddAfter("late", time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	if n := q.Len(); n != 0 {
		t.Errorf("Len = %d after ShutDown, want 0", n)
	}
}

func TestQueueLongestRunning(t *testing.T) {
	q := NewQueue("test")
	if k, d := q.LongestRunning(); k != "" || d != 0 {
		t.Errorf("LongestRunning of an idle queue = %q %v", k, d)
	}
	q.Add("a")
	q.Add("b")
	get(t, q)
	time.Sleep(5 * time.Millisecond)
	get(t, q)
	if k, d := q.LongestRunning(); k != "a" || d < 5*time.Millisecond {
		t.Errorf("LongestRunning = %q %v, want a, at least 5ms", k, d)
	}
	q.Done("a")
	q.Done("b")
	if k, _ := q.LongestRunning(); k != "" {
		t.Errorf("LongestRunning after Done = %q, want none", k)
	}
}
