package proxy

import "testing"

func TestKernelAtLeast(t *testing.T) {
	for _, tt := range []struct {
		release string
		want    bool
	}{
		{"6.1.0-18-amd64", true},
		{"5.13.0", true},
		{"5.13-rc1", true},
		{"5.12.19", false},
		{"4.19.0-26-amd64", false},
		{"6.18.44-fc-v1045", true},
		{"garbage", false},
	} {
		if got := kernelAtLeast(tt.release, nftablesKernel); got != tt.want {
			t.Errorf("kernelAtLeast(%q) = %v, want %v", tt.release, got, tt.want)
		}
	}
}
