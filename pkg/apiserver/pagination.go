package apiserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// List pagination, as Kubernetes does it (?limit=N, then ?continue=TOKEN):
// the first page is read at etcd's current revision and every later page
// at that same revision, so that the pages together are one consistent
// snapshot even while objects change. The token says where the next page
// starts and at which revision, in Kubernetes' own encoding (base64url of
// {"v":"meta.k8s.io/v1","rv":REV,"start":"KEY"}, the key relative to the
// list's prefix), so a client may hand a token to any apiserver.
//
// Selectors filter within the pages: the server reads on (in chunks that
// double, as Kubernetes) until it has limit matches or the keys run out.
// remainingItemCount is only known without selectors. Once etcd has
// compacted the first page's revision a continue is 410 Gone; its Status
// carries a token that continues at the latest revision, for a client
// that prefers an inconsistent rest to starting again.

// continueToken is Kubernetes' continue token (apiserver's storage
// continue.go), field for field.
type continueToken struct {
	APIVersion      string `json:"v"`
	ResourceVersion int64  `json:"rv"`
	StartKey        string `json:"start"`
}

// encodeContinue is the token of a list that goes on at key (a store key
// under prefix) at revision rev; rev -1 means at the latest revision.
func encodeContinue(key, prefix string, rev int64) string {
	raw, _ := json.Marshal(continueToken{APIVersion: "meta.k8s.io/v1", ResourceVersion: rev, StartKey: strings.TrimPrefix(key, prefix)})
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeContinue returns the store key a token goes on at, under prefix,
// and its revision (-1: the latest). A token naming a key outside prefix
// (".." and the like) is refused, so a token can never widen a list.
func decodeContinue(token, prefix string) (string, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", 0, fmt.Errorf("continue key is not valid: %v", err)
	}
	var c continueToken
	if err := json.Unmarshal(raw, &c); err != nil {
		return "", 0, fmt.Errorf("continue key is not valid: %v", err)
	}
	switch {
	case c.APIVersion != "meta.k8s.io/v1":
		return "", 0, fmt.Errorf("continue key is not valid: server does not recognize this encoded version %s", api.Quote(c.APIVersion))
	case c.ResourceVersion == 0:
		return "", 0, errors.New("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
	case c.StartKey == "":
		return "", 0, errors.New("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)")
	}
	key := "/" + strings.TrimPrefix(c.StartKey, "/")
	if path.Clean(key) != key {
		return "", 0, fmt.Errorf("continue key is not valid: %s", api.Quote(c.StartKey))
	}
	return prefix + key[1:], c.ResourceVersion, nil
}

// listMeta is a list's metadata, with what pagination adds.
type listMeta struct {
	ResourceVersion    string `json:"resourceVersion,omitempty"`
	Continue           string `json:"continue,omitempty"`
	RemainingItemCount *int64 `json:"remainingItemCount,omitempty"`
}

// listResponse is the body of a list: PodList, ServiceList, ...
type listResponse struct {
	api.TypeMeta `json:",inline"`
	Metadata     listMeta     `json:"metadata"`
	Items        []api.Object `json:"items"`
}

// maxChunk bounds one etcd read of a page filled through selectors
// (Kubernetes' maxLimit).
const maxChunk = 10000

// listPage reads one page of a list: everything when opts has no limit
// and no continue token, else at most opts.limit objects.
func (s *Server) listPage(ctx context.Context, res api.Resource, namespace string, opts listOptions) ([]api.Object, listMeta, *api.Status) {
	if opts.limit <= 0 && opts.continueToken == "" {
		items, rev, err := s.listObjects(ctx, res, namespace, opts)
		if err != nil {
			return nil, listMeta{}, readError(err)
		}
		return items, listMeta{ResourceVersion: strconv.FormatInt(rev, 10)}, nil
	}
	prefix := store.Prefix(res.Name, namespace)
	from, rev, st := s.pageStart(ctx, prefix, opts)
	if st != nil {
		return nil, listMeta{}, st
	}
	limit := opts.limit
	if limit <= 0 { // a continue without a limit reads the rest
		limit = 1<<63 - 1
	}
	items := []api.Object{}
	chunk := min(limit, maxChunk)
	for {
		page, err := s.store.ListPage(ctx, prefix, from, max(rev, 0), chunk)
		var gone *store.GoneError
		if errors.As(err, &gone) && opts.continueToken != "" {
			return nil, listMeta{}, continueExpired(encodeContinue(from, prefix, -1))
		}
		if err != nil {
			return nil, listMeta{}, readError(err)
		}
		rev = page.Revision
		for i, kv := range page.KVs {
			if int64(len(items)) == limit {
				// Full in the middle of a chunk: the rest of it remains.
				return items, nextPage(prefix, from, rev, page.Remaining+int64(len(page.KVs)-i), opts), nil
			}
			from = kv.Key + "\x00" // the smallest key after this one
			obj, err := s.decodeStored(res, kv)
			if err != nil {
				return nil, listMeta{}, internalError(err)
			}
			if opts.matches(obj) {
				items = append(items, obj)
			}
		}
		if !page.More {
			return items, listMeta{ResourceVersion: strconv.FormatInt(rev, 10)}, nil
		}
		if int64(len(items)) == limit {
			return items, nextPage(prefix, from, rev, page.Remaining, opts), nil
		}
		chunk = min(2*chunk, maxChunk)
	}
}

// nextPage is the metadata of a page after which remaining keys follow,
// the next starting at from.
func nextPage(prefix, from string, rev, remaining int64, opts listOptions) listMeta {
	m := listMeta{ResourceVersion: strconv.FormatInt(rev, 10), Continue: encodeContinue(from, prefix, rev)}
	if opts.labels.Empty() && opts.fields.Empty() {
		m.RemainingItemCount = &remaining
	}
	return m
}

// pageStart is where a page starts and the revision to read it at (0:
// now, -1: now, as a token asks after its revision expired).
func (s *Server) pageStart(ctx context.Context, prefix string, opts listOptions) (string, int64, *api.Status) {
	if opts.continueToken != "" {
		from, rev, err := decodeContinue(opts.continueToken, prefix)
		if err != nil {
			return "", 0, badRequest("invalid continue token: " + err.Error())
		}
		return from, rev, nil
	}
	rv, _ := strconv.ParseInt(opts.resourceVersion, 10, 64) // parsed already
	if rv > 0 {
		if err := s.store.WaitForRevision(ctx, rv, freshWait); err != nil {
			return "", 0, readError(err)
		}
	}
	if opts.resourceVersionMatch == "Exact" {
		return "", rv, nil
	}
	return "", 0, nil
}

// continueExpired is Kubernetes' 410 for a token whose revision etcd has
// compacted, with a token that goes on at the latest revision.
func continueExpired(token string) *api.Status {
	st := statusErr(http.StatusGone, "Expired", "The provided continue parameter is too old to display a consistent list result. "+
		"You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. "+
		"Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time "+
		"the first chunk was returned and now may show up in the list.")
	st.Metadata.Continue = token
	return st
}

// parsePaging reads limit and continue, and refuses what Kubernetes
// refuses with them.
func parsePaging(q map[string][]string, opts *listOptions) *api.Status {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if l := get("limit"); l != "" {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			return badRequest(fmt.Sprintf("limit %s: must be an integer", api.Quote(l)))
		}
		opts.limit = n
	}
	opts.continueToken = get("continue")
	switch {
	case opts.continueToken == "":
	case opts.resourceVersionMatch != "":
		return badRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided")
	case opts.resourceVersion != "" && opts.resourceVersion != "0":
		return badRequest("specifying resource version is not allowed when using continue")
	}
	return nil
}
