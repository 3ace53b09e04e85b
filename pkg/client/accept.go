package client

import (
	"context"
	"net/http"

	"kubelab/pkg/api"
)

// acceptKey carries, in a request's context, the media types the caller
// wants the answer in.
type acceptKey struct{}

// WithAccept makes the requests sent with ctx ask for accept (an Accept
// header) instead of plain JSON. kctl asks for Tables this way, as
// kubectl does:
//
//	ctx = client.WithAccept(ctx, "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
//	b, err := c.Do(ctx, http.MethodGet, path, nil, "")
//
// The answer's body is then the caller's to decode (Raw, Do, WatchAs);
// the typed methods (Get, List, Watch) expect objects and must not be
// given such a ctx.
func WithAccept(ctx context.Context, accept string) context.Context {
	return context.WithValue(ctx, acceptKey{}, accept)
}

// acceptOf is the Accept header of a request sent with ctx.
func acceptOf(ctx context.Context) string {
	if a, ok := ctx.Value(acceptKey{}).(string); ok && a != "" {
		return a
	}
	return "application/json"
}

// WatchAs is Watch asking for accept: decode turns the object of each
// event into what the caller handles (kctl: a row of a Table).
func (rc *ResourceClient) WatchAs(ctx context.Context, opts ListOptions, accept string, decode func([]byte) (api.Object, error)) (*Watcher, error) {
	if rc.err != nil {
		return nil, rc.err
	}
	q := opts.query()
	q.Set("watch", "true")
	ctx, cancel := context.WithCancel(WithAccept(ctx, accept))
	resp, err := rc.c.send(ctx, http.MethodGet, withQuery(rc.res.Path(rc.ns, ""), q), nil, "")
	if err != nil {
		cancel()
		return nil, err
	}
	return newWatcher(ctx, cancel, resp.Body, decode), nil
}
