package job

import (
	"slices"
	"strconv"
	"strings"

	"kubelab/pkg/api"
)

// An Indexed Job (completionMode Indexed) runs one successful pod per
// index 0 … completions-1. Each pod learns its index three ways: the
// annotation and label batch.kubernetes.io/job-completion-index, the
// variable JOB_COMPLETION_INDEX, and its hostname <job>-<index>. The
// indexes done so far are kept in status.completedIndexes, as ranges:
// "0-2,4" (two neighbours are written "5,6", as Kubernetes does).

// completionIndexEnv is the variable an Indexed Job's containers find
// their index in.
const completionIndexEnv = "JOB_COMPLETION_INDEX"

// indexOf is a pod's completion index, if it has one below completions.
func indexOf(p *api.Pod, completions int32) (int, bool) {
	s, ok := p.Annotations[api.JobCompletionIndexAnnotation]
	if !ok || completions < 0 {
		return 0, false
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 || i >= int(completions) {
		return 0, false
	}
	return i, true
}

// interval is the indexes first … last.
type interval struct{ first, last int }

// intervals is a set of indexes, as sorted, disjoint, non-adjacent
// intervals.
type intervals []interval

// parseIntervals reads completedIndexes, keeping the indexes below
// completions and skipping what does not parse (the status is the
// controller's own writing, so that would be a hand edit).
func parseIntervals(s string, completions int32) intervals {
	var out intervals
	if s == "" {
		return out
	}
	for part := range strings.SplitSeq(s, ",") {
		a, b, isRange := strings.Cut(part, "-")
		first, err := strconv.Atoi(a)
		if err != nil {
			continue
		}
		last := first
		if isRange {
			if last, err = strconv.Atoi(b); err != nil {
				continue
			}
		}
		for i := max(first, 0); i <= last && i < int(completions); i++ {
			out = out.with(i)
		}
	}
	return out
}

// has reports whether i is in the set.
func (iv intervals) has(i int) bool {
	for _, r := range iv {
		if i >= r.first && i <= r.last {
			return true
		}
	}
	return false
}

// with returns the set with i added.
func (iv intervals) with(i int) intervals {
	if iv.has(i) {
		return iv
	}
	out := append(slices.Clone(iv), interval{i, i})
	slices.SortFunc(out, func(a, b interval) int { return a.first - b.first })
	merged := out[:1]
	for _, r := range out[1:] {
		if prev := &merged[len(merged)-1]; r.first <= prev.last+1 {
			prev.last = max(prev.last, r.last)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// total is the number of indexes in the set.
func (iv intervals) total() int {
	n := 0
	for _, r := range iv {
		n += r.last - r.first + 1
	}
	return n
}

// String is Kubernetes' format: "1,3-5,7".
func (iv intervals) String() string {
	var b strings.Builder
	for _, r := range iv {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(r.first))
		switch {
		case r.last == r.first+1:
			b.WriteByte(',')
			b.WriteString(strconv.Itoa(r.last))
		case r.last > r.first:
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(r.last))
		}
	}
	return b.String()
}
