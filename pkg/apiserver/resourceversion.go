package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// A list or a watch may name a resourceVersion, as in Kubernetes:
//
//	list  (none)       the latest state
//	list  0            any state; kubelab serves the latest
//	list  N            a state at least as new as N (resourceVersionMatch=NotOlderThan, the default)
//	list  N, Exact     the state at N exactly: 410 Gone once etcd has compacted N
//	watch (none), 0    the current state as ADDED events, then the changes
//	watch N            the changes after N: an ERROR event 410 Gone once N is compacted
//
// A resourceVersion that is not an integer ≥ 0 is a 400. One that etcd has
// not reached yet is waited for, up to freshWait, then refused with
// Kubernetes' 504 "Too large resource version" and retryAfterSeconds: a
// client may hold a version from another apiserver that this one has not
// seen yet, or one it made up.

// freshWait is how long a request waits for etcd to reach the
// resourceVersion it names: 3 s, as Kubernetes' watch cache. (A variable
// so that tests wait less.)
var freshWait = 3 * time.Second

// parseResourceVersion reads resourceVersion and resourceVersionMatch.
func parseResourceVersion(q url.Values) (rv, match string, st *api.Status) {
	rv, match = q.Get("resourceVersion"), q.Get("resourceVersionMatch")
	if rv != "" {
		n, err := strconv.ParseInt(rv, 10, 64)
		switch {
		case err != nil:
			return "", "", badRequest(fmt.Sprintf("resourceVersion %s: must be an integer", api.Quote(rv)))
		case n < 0:
			return "", "", badRequest(fmt.Sprintf("resourceVersion %s: must not be negative", api.Quote(rv)))
		}
	}
	watch := q.Get("watch") == "true" || q.Get("watch") == "1"
	switch {
	case match == "":
	case match != "Exact" && match != "NotOlderThan":
		return "", "", badRequest(fmt.Sprintf(`resourceVersionMatch: Unsupported value: %s: supported values: "Exact", "NotOlderThan"`, api.Quote(match)))
	case watch && match == "Exact":
		return "", "", badRequest(`resourceVersionMatch: Unsupported value: "Exact": a watch takes only "NotOlderThan"`)
	case !watch && rv == "":
		return "", "", badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")
	case match == "Exact" && rv == "0":
		return "", "", badRequest(`resourceVersionMatch: Forbidden: resourceVersionMatch "Exact" is forbidden for resourceVersion "0"`)
	}
	return rv, match, nil
}

// listKVs reads under prefix what a list's resourceVersion asks for.
func (s *Server) listKVs(ctx context.Context, prefix string, opts listOptions) ([]store.KV, int64, error) {
	rv, _ := strconv.ParseInt(opts.resourceVersion, 10, 64) // parsed already
	if rv > 0 {
		if err := s.store.WaitForRevision(ctx, rv, freshWait); err != nil {
			return nil, 0, err
		}
	}
	if opts.resourceVersionMatch == "Exact" {
		return s.store.ListAt(ctx, prefix, rv)
	}
	return s.store.List(ctx, prefix)
}

// readError is the Status of a failed list or watch: 410 for a compacted
// resourceVersion, 504 for one etcd has not reached, else 500.
func readError(err error) *api.Status {
	var (
		gone   *store.GoneError
		future *store.FutureError
	)
	switch {
	case errors.As(err, &gone):
		return statusErr(http.StatusGone, "Expired", "The resourceVersion for the provided list is too old.")
	case errors.As(err, &future):
		st := statusErr(http.StatusGatewayTimeout, "Timeout", "Timeout: "+future.Error())
		st.Details = &api.StatusDetails{RetryAfterSeconds: 1,
			Causes: []api.StatusCause{{Type: "ResourceVersionTooLarge", Message: "Too large resource version"}}}
		return st
	}
	return internalError(err)
}
