package kctl

import (
	"encoding/json"
	"testing"
)

func TestParseLabelChanges(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		patch   string
		wantErr bool
	}{
		{"set and remove", []string{"disk=ssd", "zone-"}, `{"disk":"ssd","zone":null}`, false},
		{"empty value", []string{"x="}, `{"x":""}`, false},
		{"bad key", []string{"-x=1"}, "", true},
		{"bad value", []string{"x=a b"}, "", true},
		{"nothing", nil, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, remove, err := parseLabelChanges(tc.args)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			got, _ := json.Marshal(labelPatch(set, remove))
			if string(got) != tc.patch {
				t.Fatalf("patch %s, want %s", got, tc.patch)
			}
		})
	}
}
