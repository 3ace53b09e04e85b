package client

import (
	"context"
	"net/http"
	"strings"
)

// dryRunKey marks, in a request's context, a server-side dry run.
type dryRunKey struct{}

// WithDryRun makes the writes sent with ctx server-side dry runs
// (?dryRun=All, kubectl's --dry-run=server): the server admits,
// validates and answers as for the real write, and stores nothing.
// Reads sent with ctx are unchanged, so a command reads the live state
// and dry-runs its writes with one ctx:
//
//	ctx = client.WithDryRun(ctx)
//	pods.Create(ctx, pod) // returns the pod as it would be, creates nothing
func WithDryRun(ctx context.Context) context.Context {
	return context.WithValue(ctx, dryRunKey{}, true)
}

// IsDryRun reports whether the writes sent with ctx are dry runs.
func IsDryRun(ctx context.Context) bool {
	dry, _ := ctx.Value(dryRunKey{}).(bool)
	return dry
}

// dryRunPath adds dryRun=All to the path of a write sent with a dry
// run's ctx.
func dryRunPath(ctx context.Context, method, path string) string {
	if !IsDryRun(ctx) || method == http.MethodGet {
		return path
	}
	if strings.Contains(path, "?") {
		return path + "&dryRun=All"
	}
	return path + "?dryRun=All"
}
