package docker

import (
	"testing"

	"kubelab/pkg/api"
)

// TestResources: requests.cpu becomes CPU shares as in Kubernetes
// (milliCPU × 1024 / 1000, at least 2), limits a CFS quota and a memory
// limit. No Docker needed.
func TestResources(t *testing.T) {
	list := func(kv ...string) api.ResourceList {
		l := api.ResourceList{}
		for i := 0; i < len(kv); i += 2 {
			l[kv[i]] = api.MustParse(kv[i+1])
		}
		return l
	}
	tests := []struct {
		name         string
		r            api.ResourceRequirements
		wantShares   int64
		wantNanoCPUs int64
		wantMemory   int64
	}{
		{name: "500m requested is 512 shares", r: api.ResourceRequirements{Requests: list("cpu", "500m")}, wantShares: 512},
		{name: "one CPU is 1024 shares", r: api.ResourceRequirements{Requests: list("cpu", "1")}, wantShares: 1024},
		{name: "a tiny request gets the minimum, 2", r: api.ResourceRequirements{Requests: list("cpu", "1m")}, wantShares: 2},
		{name: "no request and no limit is BestEffort: 2", wantShares: 2},
		{name: "a huge request stops at the kernel's maximum", r: api.ResourceRequirements{Requests: list("cpu", "1000")}, wantShares: 262144},
		{name: "a limit alone gives both shares and quota",
			r:          api.ResourceRequirements{Limits: list("cpu", "250m", "memory", "64Mi")},
			wantShares: 256, wantNanoCPUs: 250_000_000, wantMemory: 64 << 20},
		{name: "request and limit each do their part",
			r:          api.ResourceRequirements{Requests: list("cpu", "100m", "memory", "32Mi"), Limits: list("cpu", "2")},
			wantShares: 102, wantNanoCPUs: 2_000_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := resources(tt.r)
			if got.CPUShares != tt.wantShares || got.NanoCPUs != tt.wantNanoCPUs || got.Memory != tt.wantMemory || got.MemorySwap != tt.wantMemory {
				t.Errorf("shares %d nanoCPUs %d memory %d swap %d; want %d %d %d %d", got.CPUShares, got.NanoCPUs,
					got.Memory, got.MemorySwap, tt.wantShares, tt.wantNanoCPUs, tt.wantMemory, tt.wantMemory)
			}
		})
	}
}
