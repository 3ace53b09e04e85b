package proxy

import (
	"slices"
	"testing"
	"time"
)

// The sync runner on a made-up clock: given when changes are asked for,
// when do syncs run?

// simulate drives r from time 0 to end the way Proxier.Run does: it asks
// r what to do, runs when told, else moves the clock to whichever comes
// first, the end of r's wait or the next request. fail says which runs
// fail (by their index); a failed run is retried retry later. It returns
// the times of the runs, and of those that were periodic.
func simulate(r *syncRunner, requests []time.Duration, end time.Duration, fail []int, retry time.Duration) (runs, periodic []time.Duration) {
	now := time.Duration(0)
	at := func(d time.Duration) time.Time { return time.Unix(0, 0).Add(d) }
	for now <= end {
		if kind, wait := r.next(at(now)); kind != runNone {
			if slices.Contains(fail, len(runs)) {
				r.retryAfter(at(now), retry)
			}
			runs = append(runs, now)
			if kind == runPeriodic {
				periodic = append(periodic, now)
			}
			continue
		} else if wait >= 0 && (len(requests) == 0 || now+wait < requests[0]) {
			now += wait
			continue
		}
		if len(requests) == 0 {
			break
		}
		now, requests = requests[0], requests[1:]
		r.request()
	}
	return runs, periodic
}

// every is n request times from start, step apart.
func every(start, step time.Duration, n int) []time.Duration {
	var out []time.Duration
	for i := range n {
		out = append(out, start+time.Duration(i)*step)
	}
	return out
}

func ms(d ...int) []time.Duration {
	out := make([]time.Duration, len(d))
	for i, x := range d {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestSyncRunner(t *testing.T) {
	const sec = time.Second
	tests := []struct {
		name     string
		min, max time.Duration
		burst    int
		requests []time.Duration
		end      time.Duration
		fail     []int // runs that fail, by index
		retry    time.Duration
		want     []time.Duration
		periodic []time.Duration // those of want that are periodic
	}{{
		name: "the first sync runs at once, then nothing until asked",
		min:  sec, max: time.Hour, burst: 2,
		end:  10 * sec,
		want: ms(0),
	}, {
		name: "a lone change runs at once",
		min:  sec, max: time.Hour, burst: 2,
		requests: ms(5000), end: 10 * sec,
		want: ms(0, 5000),
	}, {
		// The case that made the proxy slow: a new pod's Endpoints change
		// twice within a second (not ready, then ready). With the burst,
		// the second is not held back by the first.
		name: "two changes close together both run at once",
		min:  sec, max: time.Hour, burst: 2,
		requests: ms(5000, 5300), end: 10 * sec,
		want: ms(0, 5000, 5300),
	}, {
		name: "without a burst the second change waits for the next token",
		min:  sec, max: time.Hour, burst: 1,
		requests: ms(5000, 5300), end: 10 * sec,
		want: ms(0, 5000, 6000),
	}, {
		name: "the first sync spends a token: a change right after it gets the other one",
		min:  sec, max: time.Hour, burst: 2,
		requests: ms(10, 20), end: 10 * sec,
		want: ms(0, 10, 1000),
	}, {
		// 50 changes in 100 ms: the burst's token runs at once, the other
		// 49 wait for the next token and run as one.
		name: "a storm coalesces",
		min:  sec, max: time.Hour, burst: 2,
		requests: every(5*sec, 2*time.Millisecond, 50), end: 10 * sec,
		want: ms(0, 5000, 5002, 6000),
	}, {
		name: "a long storm runs once per minInterval",
		min:  sec, max: time.Hour, burst: 2,
		requests: every(5*sec, 10*time.Millisecond, 500), end: 20 * sec,
		want: ms(0, 5000, 5010, 6000, 7000, 8000, 9000, 10000),
	}, {
		name: "changes a second apart never wait",
		min:  sec, max: time.Hour, burst: 2,
		requests: every(2*sec, sec, 8), end: 20 * sec,
		want: ms(0, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000),
	}, {
		name: "the bucket refills: after a pause, a burst again",
		min:  sec, max: time.Hour, burst: 3,
		requests: append(every(sec, time.Millisecond, 3), every(10*sec, time.Millisecond, 3)...), end: 20 * sec,
		want: ms(0, 1000, 1001, 1002, 10000, 10001, 10002),
	}, {
		name: "no minInterval: every change runs at once",
		min:  0, max: time.Hour, burst: 2,
		requests: every(sec, time.Millisecond, 5), end: 10 * sec,
		want: ms(0, 1000, 1001, 1002, 1003, 1004),
	}, {
		name: "with nothing asked, a periodic sync every maxInterval",
		min:  sec, max: 30 * sec, burst: 2,
		end:  100 * sec,
		want: ms(0, 30000, 60000, 90000), periodic: ms(30000, 60000, 90000),
	}, {
		// A change right when the periodic sync is due is not made to pay
		// for it: it runs as a change, and the periodic one after it.
		name: "the periodic sync keeps its schedule, apart from changes",
		min:  sec, max: 30 * sec, burst: 2,
		requests: ms(20000, 30000, 45000), end: 70 * sec,
		want: ms(0, 20000, 30000, 30000, 45000, 60000), periodic: ms(30000, 60000),
	}, {
		// Every token spent: the periodic sync still runs on time, and
		// covers the change that waits for a token.
		name: "the periodic sync spends no token, and covers what waits",
		min:  sec, max: 30 * sec, burst: 2,
		requests: ms(29990, 29995, 29998), end: 40 * sec,
		want: ms(0, 29990, 29995, 30000), periodic: ms(30000),
	}, {
		name: "a failed sync is retried after its back-off, not sooner",
		min:  sec, max: time.Hour, burst: 2,
		requests: ms(1000), end: 10 * sec, fail: []int{1, 2}, retry: 2 * sec,
		want: ms(0, 1000, 3000, 5000),
	}, {
		name: "a change during a retry's back-off runs at once, tokens permitting",
		min:  sec, max: time.Hour, burst: 2,
		requests: ms(1000, 1500), end: 10 * sec, fail: []int{1}, retry: 5 * sec,
		want: ms(0, 1000, 1500),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newSyncRunner(tt.min, tt.max, tt.burst, time.Unix(0, 0))
			got, periodic := simulate(r, tt.requests, tt.end, tt.fail, tt.retry)
			if !slices.Equal(got, tt.want) {
				t.Errorf("runs at %v, want %v", got, tt.want)
			}
			if !slices.Equal(periodic, tt.periodic) {
				t.Errorf("periodic runs at %v, want %v", periodic, tt.periodic)
			}
		})
	}
}

// Whatever the requests, the runs never outpace the bucket: in any
// window of length w there are at most burst + w/minInterval of them.
func TestSyncRunnerNeverExceedsTheRate(t *testing.T) {
	const minInterval, burst = 100 * time.Millisecond, 3
	var requests []time.Duration
	for i, at := 0, time.Duration(0); i < 2000; i++ {
		at += time.Duration((i*7919)%23) * time.Millisecond // irregular gaps of 0 to 22 ms
		requests = append(requests, at)
	}
	r := newSyncRunner(minInterval, time.Hour, burst, time.Unix(0, 0))
	runs, _ := simulate(r, requests, requests[len(requests)-1]+time.Second, nil, 0)
	for i := range runs {
		for j := i; j < len(runs); j++ {
			window := runs[j] - runs[i]
			if n := j - i + 1; n > burst+int(window/minInterval) {
				t.Fatalf("%d runs within %v (from %v): more than burst %d + one per %v", n, window, runs[i], burst, minInterval)
			}
		}
	}
	if last, lastReq := runs[len(runs)-1], requests[len(requests)-1]; last < lastReq {
		t.Errorf("the last run at %v is before the last request at %v: a change was never applied", last, lastReq)
	}
}
