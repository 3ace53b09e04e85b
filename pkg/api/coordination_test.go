package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestValidateLease(t *testing.T) {
	lease := func(mut func(*Lease)) *Lease {
		l := &Lease{ObjectMeta: ObjectMeta{Name: "n1", Namespace: NamespaceNodeLease},
			Spec: LeaseSpec{HolderIdentity: String("n1"), LeaseDurationSeconds: Int32(40)}}
		if mut != nil {
			mut(l)
		}
		return l
	}
	tests := []struct {
		name string
		l    *Lease
		want string // "" for valid
	}{
		{"a node's lease", lease(nil), ""},
		{"empty spec", lease(func(l *Lease) { l.Spec = LeaseSpec{} }), ""},
		{"zero duration", lease(func(l *Lease) { l.Spec.LeaseDurationSeconds = Int32(0) }),
			"spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"},
		{"negative transitions", lease(func(l *Lease) { l.Spec.LeaseTransitions = Int32(-1) }),
			"spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0"},
		{"unknown strategy", lease(func(l *Lease) { l.Spec.Strategy = String("Youngest") }),
			`spec.strategy: Unsupported value: "Youngest": supported values: "OldestEmulationVersion"`},
		{"preferred holder without strategy", lease(func(l *Lease) { l.Spec.PreferredHolder = String("b") }),
			"spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined"},
		{"bad name", lease(func(l *Lease) { l.Name = "N_1" }), `metadata.name: Invalid value: "N_1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := Validate(tt.l)
			switch {
			case tt.want == "" && len(errs) > 0:
				t.Fatalf("Validate: %v; want no error", errs)
			case tt.want != "" && !strings.HasPrefix(errs.Error(), tt.want):
				t.Fatalf("Validate: %v; want %s", errs, tt.want)
			}
		})
	}
}

func TestMicroTimeWire(t *testing.T) {
	at := time.Date(2026, 12, 1, 20, 30, 1, 123456789, time.UTC)
	l := Lease{Spec: LeaseSpec{RenewTime: &MicroTime{at}, AcquireTime: &MicroTime{at.Truncate(time.Second)}}}
	b, err := json.Marshal(l.Spec)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"acquireTime":"2026-12-01T20:30:01.000000Z","renewTime":"2026-12-01T20:30:01.123456Z"}`
	if string(b) != want {
		t.Fatalf("spec on the wire: %s\nwant %s", b, want)
	}
	var back LeaseSpec
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.RenewTime.Equal(at.Truncate(time.Microsecond)) {
		t.Fatalf("renewTime read back as %v", back.RenewTime)
	}
	for _, s := range []string{`"2026-12-01T20:30:01Z"`, `"2026-12-01T20:30:01.5+01:00"`} {
		var m MicroTime
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestLeaseExpiresAt(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	l := &Lease{Spec: LeaseSpec{RenewTime: &MicroTime{at}, LeaseDurationSeconds: Int32(15)}}
	if got := l.ExpiresAt(); !got.Equal(at.Add(15 * time.Second)) {
		t.Errorf("ExpiresAt = %v", got)
	}
	if got := (&Lease{}).ExpiresAt(); !got.IsZero() {
		t.Errorf("a lease never renewed expires at %v; want the zero time", got)
	}
}
