package kctl

import (
	"fmt"
	"testing"
)

func TestParseTargets(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    string // res.Name[names] per target
		wantErr bool
	}{
		{"plural", []string{"pods"}, "pods[]", false},
		{"short name and names", []string{"po", "a", "b"}, "pods[a b]", false},
		{"kind", []string{"ReplicaSet"}, "replicasets[]", false},
		{"several types", []string{"svc,ep", "kubia"}, "services[kubia] endpoints[kubia]", false},
		{"slash form", []string{"pod/a", "svc/b", "po/c"}, "pods[a c] services[b]", false},
		{"qualified", []string{"replicasets.apps/kubia"}, "replicasets[kubia]", false},
		{"nothing", nil, "", true},
		{"unknown type", []string{"widgets"}, "", true},
		{"slash name after a type", []string{"pods", "pod/a"}, "", true},
		{"half a slash", []string{"pod/"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets, err := parseTargets("get", tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			got := ""
			for i, tg := range targets {
				if i > 0 {
					got += " "
				}
				got += fmt.Sprintf("%s%v", tg.res.Name, tg.names)
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseTargetsAll(t *testing.T) {
	targets, err := parseTargets("get", []string{"all"})
	if err != nil {
		t.Fatal(err)
	}
	// kubectl's order; kinds kubelab does not serve yet are skipped.
	want := []string{"pods", "replicationcontrollers", "services", "daemonsets", "replicasets"}
	var got []string
	for _, tg := range targets {
		for _, w := range want {
			if tg.res.Name == w {
				got = append(got, w)
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("all = %v, want %v in this order", got, want)
	}
}
