package api

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		input string
		milli int64
		value int64
	}{
		{"500m", 500, 1},
		{"0.5", 500, 1},
		{"1", 1000, 1},
		{"2", 2000, 2},
		{"128Mi", 128 << 20 * 1000, 128 << 20},
		{"1Ki", 1024 * 1000, 1024},
		{"1G", 1e9 * 1000, 1e9},
		{"1k", 1e6, 1000},
		{"1e3", 1e6, 1000},
		{"1E3", 1e6, 1000},
		{"1.5Gi", 1.5 * (1 << 30) * 1000, 1.5 * (1 << 30)},
		{"100n", 1, 1}, // rounded up to a thousandth, as Kubernetes rounds up
		{"0", 0, 0},
		{"+3", 3000, 3},
		{"-1", -1000, -1},
		{" 250m ", 250, 1},
		{"9223372036854775.807", math.MaxInt64, math.MaxInt64/1000 + 1}, // the largest; Value must not overflow
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			q, err := ParseQuantity(tt.input)
			if err != nil {
				t.Fatal(err)
			}
			if q.MilliValue() != tt.milli {
				t.Errorf("MilliValue() = %d, want %d", q.MilliValue(), tt.milli)
			}
			if q.Value() != tt.value {
				t.Errorf("Value() = %d, want %d", q.Value(), tt.value)
			}
			again, err := ParseQuantity(q.String())
			if err != nil || again.Cmp(q) != 0 {
				t.Errorf("round trip of %q: %v, %v", q.String(), again, err)
			}
		})
	}
}

func TestParseQuantityErrors(t *testing.T) {
	tests := []struct{ input, want string }{
		{"", "quantity is empty"},
		{"12x", `unknown suffix "x"`},
		{"--1", "quantities must match the regular expression"},
		{"1.5.5Gi", "quantities must match the regular expression"},
		{"Gi", "quantities must match the regular expression"},
		{".", "quantities must match the regular expression"},
		{"1e", "quantities must match the regular expression"},
		{"1e99", "out of range"},
		{"99999999999999999999", "too large"},
		{"1 Gi", `unknown suffix " Gi"`},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			_, err := ParseQuantity(tt.input)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseQuantity(%q) error = %v, want %q", tt.input, err, tt.want)
			}
		})
	}
}

func TestQuantityString(t *testing.T) {
	tests := []struct {
		name string
		q    Quantity
		want string
	}{
		{"as written", MustParse("0.5"), "0.5"},
		{"milli", NewMilliQuantity(250), "250m"},
		{"whole cpus", NewMilliQuantity(2000), "2"},
		{"zero", NewMilliQuantity(0), "0"},
		{"binary", NewQuantity(128<<20, true), "128Mi"},
		{"binary not whole", NewQuantity(1000, true), "1000"},
		{"decimal", NewQuantity(2e9, false), "2G"},
		{"sum keeps binary", MustParse("1Gi").Add(MustParse("512Mi")), "1536Mi"},
		{"difference", MustParse("1").Sub(MustParse("250m")), "750m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.q.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestQuantityJSON(t *testing.T) {
	tests := []struct{ input, want string }{
		{`"128Mi"`, `"128Mi"`},
		{`1`, `"1"`},
		{`0.5`, `"0.5"`},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			var q Quantity
			if err := json.Unmarshal([]byte(tt.input), &q); err != nil {
				t.Fatal(err)
			}
			out, _ := json.Marshal(q)
			if string(out) != tt.want {
				t.Errorf("marshal = %s, want %s", out, tt.want)
			}
		})
	}
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"500m", "0.5", "128Mi", "1G", "1e3", "1.5Gi", "12x", "--1", "", "1.5.5Gi", "9Ei", "-0.001", "9223372036854775.807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuantity(s)
		if err != nil {
			return
		}
		again, err := ParseQuantity(q.String())
		if err != nil || again.Cmp(q) != 0 {
			t.Fatalf("%q: String() %q does not parse back to the same amount: %v", s, q.String(), err)
		}
		canonical := NewMilliQuantity(q.MilliValue())
		back, err := ParseQuantity(canonical.String())
		if err != nil || back.Cmp(q) != 0 {
			t.Fatalf("%q: canonical %q does not parse back: %v", s, canonical.String(), err)
		}
		if v := q.Value(); (q.MilliValue() > 0 && v <= 0) || (q.MilliValue() < 0 && v > 0) || v > math.MaxInt64/1000+1 {
			t.Fatalf("%q: Value() = %d for %d thousandths", s, v, q.MilliValue())
		}
	})
}
