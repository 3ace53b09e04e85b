package job

import "time"

// After a pod fails, the next one waits: 10 s after the first failure,
// then 20 s, 40 s … up to 6 minutes, counted from when the latest failure
// happened. A success starts the count over. The wait is not a sleep:
// the sync that finds it creates nothing and asks for its key again when
// the wait is over. (Kubernetes: backoff_utils.go; newer releases cap the
// wait at 10 minutes.)
const (
	backoffBase = 10 * time.Second
	backoffMax  = 6 * time.Minute
)

// backoffDelay is the wait after n failures in a row.
func backoffDelay(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	d := backoffBase
	for ; n > 1 && d < backoffMax; n-- {
		d *= 2
	}
	return min(d, backoffMax)
}

// backoffRemaining is how long new pods must still wait at now.
func backoffRemaining(s *observed, now time.Time) time.Duration {
	if s.failuresSinceSuccess == 0 {
		return 0
	}
	return max(0, s.lastFailure.Add(backoffDelay(s.failuresSinceSuccess)).Sub(now))
}
