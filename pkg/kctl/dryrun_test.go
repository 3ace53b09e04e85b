package kctl

import (
	"net/http"
	"slices"
	"testing"
)

// TestDryRunFlag: with --dry-run=server every write goes out with
// dryRun=All and the line says so; with client no write goes out.
func TestDryRunFlag(t *testing.T) {
	const pod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default"},"spec":{"containers":[{"name":"c","image":"kubelab/kubia:latest"}]}}`
	const podPath = "/api/v1/namespaces/default/pods/kubia"
	tests := []struct {
		name     string
		existing bool // the pod is there before the command
		args     []string
		out      string
		writes   []string // "METHOD query" of each write sent
	}{
		{"apply creates", false, []string{"apply", "-f", "-", "--dry-run=server"}, "pod/kubia created (server dry run)\n", []string{"POST dryRun=All"}},
		{"apply configures", true, []string{"apply", "-f", "-", "--dry-run=server"}, "pod/kubia configured (server dry run)\n", []string{"PATCH dryRun=All"}},
		{"create", false, []string{"create", "-f", "-", "--dry-run=server"}, "pod/kubia created (server dry run)\n", []string{"POST dryRun=All"}},
		{"create, client", false, []string{"create", "-f", "-", "--dry-run=client"}, "pod/kubia created (dry run)\n", nil},
		{"delete", true, []string{"delete", "pod", "kubia", "--dry-run=server"}, "pod \"kubia\" deleted (server dry run)\n", []string{"DELETE dryRun=All"}},
		{"delete, client", true, []string{"delete", "pod", "kubia", "--dry-run=client"}, "pod \"kubia\" deleted (dry run)\n", nil},
		{"run", false, []string{"run", "kubia", "--image=kubelab/kubia:latest", "--dry-run=server"}, "pod/kubia created (server dry run)\n", []string{"POST dryRun=All"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			if tt.existing {
				fake.objects[podPath] = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default","resourceVersion":"1","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},"spec":{"containers":[{"name":"c","image":"old"}]}}`
			}
			out, errOut, code := kctl(t, server, pod, tt.args...)
			if out != tt.out || errOut != "" || code != 0 {
				t.Errorf("got %q %q exit %d, want %q", out, errOut, code, tt.out)
			}
			var writes []string
			for _, r := range fake.requests {
				if r.method != http.MethodGet {
					writes = append(writes, r.method+" "+r.query)
				}
			}
			if !slices.Equal(writes, tt.writes) {
				t.Errorf("writes = %q, want %q", writes, tt.writes)
			}
		})
	}
	_, server := newFakeAPI(t)
	if _, errOut, code := kctl(t, server, pod, "apply", "-f", "-", "--dry-run=sometimes"); code != 1 ||
		errOut != "error: Invalid dry-run value (sometimes). Must be \"none\", \"server\", or \"client\".\n" {
		t.Errorf("bad --dry-run: %q exit %d", errOut, code)
	}
}
