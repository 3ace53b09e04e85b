package kctl

import (
	"testing"

	"kubelab/pkg/api"
)

func TestParseCascade(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"background", api.DeletePropagationBackground, false},
		{"", api.DeletePropagationBackground, false}, // plain --cascade
		{"true", api.DeletePropagationBackground, false},
		{"foreground", api.DeletePropagationForeground, false},
		{"Foreground", api.DeletePropagationForeground, false},
		{"orphan", api.DeletePropagationOrphan, false},
		{"false", api.DeletePropagationOrphan, false},
		{"sometimes", "", true},
	}
	for _, tt := range tests {
		t.Run("cascade="+tt.in, func(t *testing.T) {
			got, err := parseCascade(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDeleteOptions(t *testing.T) {
	none := int64(-1)
	tests := []struct {
		name    string
		flags   deleteFlags
		grace   int64 // -1: not sent
		policy  string
		wantErr bool
	}{
		{"defaults", deleteFlags{cascade: "background", gracePeriod: -1}, none, "Background", false},
		{"orphan", deleteFlags{cascade: "orphan", gracePeriod: -1}, none, "Orphan", false},
		{"grace period", deleteFlags{cascade: "foreground", gracePeriod: 10}, 10, "Foreground", false},
		{"now", deleteFlags{cascade: "background", gracePeriod: -1, now: true}, 1, "Background", false},
		{"zero without force becomes one", deleteFlags{cascade: "background", gracePeriod: 0}, 1, "Background", false},
		{"zero with force", deleteFlags{cascade: "background", gracePeriod: 0, force: true}, 0, "Background", false},
		{"force alone means zero", deleteFlags{cascade: "background", gracePeriod: -1, force: true}, 0, "Background", false},
		{"now and a grace period", deleteFlags{cascade: "background", gracePeriod: 5, now: true}, none, "", true},
		{"bad cascade", deleteFlags{cascade: "maybe", gracePeriod: -1}, none, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := deleteOptions(tt.flags)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if *opts.PropagationPolicy != tt.policy {
				t.Errorf("policy %s, want %s", *opts.PropagationPolicy, tt.policy)
			}
			switch {
			case tt.grace == none && opts.GracePeriodSeconds != nil:
				t.Errorf("grace period %d sent, want none", *opts.GracePeriodSeconds)
			case tt.grace != none && (opts.GracePeriodSeconds == nil || *opts.GracePeriodSeconds != tt.grace):
				t.Errorf("grace period %v, want %d", opts.GracePeriodSeconds, tt.grace)
			}
		})
	}
}
