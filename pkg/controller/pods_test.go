package controller_test

import (
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// readyPod returns a pod whose Ready condition has status and last
// changed at since (zero: unknown).
func readyPod(status string, since time.Time) *api.Pod {
	return &api.Pod{Status: api.PodStatus{Conditions: []api.PodCondition{
		{Type: "Initialized", Status: api.ConditionTrue},
		{Type: api.PodReady, Status: status, LastTransitionTime: api.NewTime(since)},
	}}}
}

func TestIsPodReady(t *testing.T) {
	tests := []struct {
		name string
		pod  *api.Pod
		want bool
	}{
		{"Ready True", readyPod(api.ConditionTrue, now), true},
		{"Ready False", readyPod(api.ConditionFalse, now), false},
		{"no Ready condition", &api.Pod{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := controller.IsPodReady(tt.pod); got != tt.want {
				t.Errorf("IsPodReady = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsPodAvailable(t *testing.T) {
	tests := []struct {
		name     string
		pod      *api.Pod
		minReady time.Duration
		ok       bool
		wait     time.Duration
	}{
		{"ready, no minReady", readyPod(api.ConditionTrue, now), 0, true, 0},
		{"ready long enough", readyPod(api.ConditionTrue, now.Add(-time.Minute)), 10 * time.Second, true, 0},
		{"ready just long enough", readyPod(api.ConditionTrue, now.Add(-10*time.Second)), 10 * time.Second, true, 0},
		{"ready, not yet long enough", readyPod(api.ConditionTrue, now.Add(-4*time.Second)), 10 * time.Second, false, 6 * time.Second},
		{"ready since nobody knows when", readyPod(api.ConditionTrue, time.Time{}), 10 * time.Second, false, 0},
		{"ready since nobody knows when, no minReady", readyPod(api.ConditionTrue, time.Time{}), 0, true, 0},
		{"not ready", readyPod(api.ConditionFalse, now.Add(-time.Hour)), 0, false, 0},
		{"no Ready condition", &api.Pod{}, 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, wait := controller.IsPodAvailable(tt.pod, tt.minReady, now)
			if ok != tt.ok || wait != tt.wait {
				t.Errorf("IsPodAvailable = (%v, %v), want (%v, %v)", ok, wait, tt.ok, tt.wait)
			}
		})
	}
}
