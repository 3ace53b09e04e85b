package printers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"kubelab/pkg/api"
)

// Cells that kubectl writes the same way in every table, and describe
// in its text: labels, ages, the times of an Event.

// FormatLabels prints a label map as a selector: app=kubia,env=dev.
func FormatLabels(labels map[string]string) string {
	if len(labels) == 0 {
		return "<none>"
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + labels[k]
	}
	return strings.Join(parts, ",")
}

// Age is how long ago t was, in kubectl's short form; <unknown> if unset.
func Age(t api.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return HumanDuration(now.Sub(t.Time))
}

// HumanDuration writes a duration with the precision a human wants: exact
// seconds for the first two minutes, then two units while the smaller one
// still matters, then one: 5s, 3m20s, 52m, 3h4m, 20h, 4d5h, 30d, 2y.
func HumanDuration(d time.Duration) string {
	const day, year = 24 * time.Hour, 365 * 24 * time.Hour
	switch {
	case d < -time.Second:
		return "<invalid>"
	case d < 0:
		return "0s"
	case d < 2*time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < 10*time.Minute:
		return twoUnits(d, time.Minute, "m", time.Second, "s")
	case d < 3*time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 8*time.Hour:
		return twoUnits(d, time.Hour, "h", time.Minute, "m")
	case d < 2*day:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d < 8*day:
		return twoUnits(d, day, "d", time.Hour, "h")
	case d < 2*year:
		return fmt.Sprintf("%dd", int(d/day))
	case d < 8*year:
		return twoUnits(d, year, "y", day, "d")
	}
	return fmt.Sprintf("%dy", int(d/year))
}

// twoUnits writes d as a whole number of big units and the rest in small
// units, leaving the small part out when it is zero: 3m20s, 3m.
func twoUnits(d, big time.Duration, bigName string, small time.Duration, smallName string) string {
	n := int(d / big)
	rest := int((d % big) / small)
	if rest == 0 {
		return fmt.Sprintf("%d%s", n, bigName)
	}
	return fmt.Sprintf("%d%s%d%s", n, bigName, rest, smallName)
}

// EventLastSeen is when an Event last happened: its lastTimestamp, else
// when it first did.
func EventLastSeen(e *api.Event) api.Time {
	if !e.LastTimestamp.IsZero() {
		return e.LastTimestamp
	}
	return EventFirstSeen(e)
}

// EventFirstSeen is when an Event first happened: its firstTimestamp,
// else when it was made.
func EventFirstSeen(e *api.Event) api.Time {
	if !e.FirstTimestamp.IsZero() {
		return e.FirstTimestamp
	}
	return e.CreationTimestamp
}
