package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// Objects are stored as JSON without their resourceVersion: the etcd
// revision that last wrote the key is the resourceVersion, filled in on
// every read.

func objectKey(r api.Resource, namespace, name string) string {
	return store.Key(r.Name, namespace, name)
}

func decodeStored(r api.Resource, kv store.KV) (api.Object, error) {
	obj := r.New()
	if err := json.Unmarshal(kv.Value, obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", kv.Key, err)
	}
	api.SetTypeMeta(obj)
	obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(kv.ModRevision, 10)
	return obj, nil
}

func encodeForStore(obj api.Object) ([]byte, error) {
	meta := obj.GetObjectMeta()
	rv := meta.ResourceVersion
	meta.ResourceVersion = ""
	api.SetTypeMeta(obj)
	b, err := json.Marshal(obj)
	meta.ResourceVersion = rv
	return b, err
}

// load reads one object and the revision it was read at.
func (s *Server) load(ctx context.Context, r api.Resource, namespace, name string) (api.Object, int64, *api.Status) {
	kv, err := s.store.Get(ctx, objectKey(r, namespace, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, notFound(r, name)
	}
	if err != nil {
		return nil, 0, internalError(err)
	}
	obj, err := decodeStored(r, kv)
	if err != nil {
		return nil, 0, internalError(err)
	}
	return obj, kv.ModRevision, nil
}

// storeErr maps a store error to the Status a client should see.
func storeErr(r api.Resource, name string, err error) *api.Status {
	var (
		claim *store.ClaimError
		cond  *store.ConditionError
	)
	switch {
	case errors.As(err, &cond) && cond.Present:
		ns := strings.TrimPrefix(cond.Key, markTerminating)
		return forbidden(r, name, fmt.Sprintf("unable to create new content in namespace %s because it is being terminated", ns))
	case errors.As(err, &cond):
		return notFound(mustResource("namespaces"), cond.Key[strings.LastIndex(cond.Key, "/")+1:])
	case errors.Is(err, store.ErrNotFound):
		return notFound(r, name)
	case errors.Is(err, store.ErrAlreadyExists):
		return alreadyExists(r, name)
	case errors.Is(err, store.ErrConflict):
		return conflict(r, name, "the object has been modified; please apply your changes to the latest version and try again")
	case errors.As(err, &claim):
		return claimTaken(r, name, claim.Key)
	}
	return internalError(err)
}

// commit writes obj (or deletes it when obj is nil) in one transaction with
// the addresses it claims and releases. rev is the revision the caller read
// (0 to create). It returns the stored object with its new resourceVersion.
func (s *Server) commit(ctx context.Context, r api.Resource, obj, old api.Object, rev int64) (api.Object, *api.Status) {
	out, err := s.commitTxn(ctx, r, obj, old, rev)
	if err != nil {
		return nil, storeErr(r, nameOf(obj, old), err)
	}
	return out, nil
}

func nameOf(obj, old api.Object) string {
	if obj != nil {
		return obj.GetObjectMeta().Name
	}
	return old.GetObjectMeta().Name
}

// commitTxn is commit with the store's error, so a caller can tell which
// claim was taken (see create).
func (s *Server) commitTxn(ctx context.Context, r api.Resource, obj, old api.Object, rev int64) (api.Object, error) {
	var (
		value []byte
		err   error
		meta  *api.ObjectMeta
	)
	if obj != nil {
		meta = obj.GetObjectMeta()
		if value, err = encodeForStore(obj); err != nil {
			return nil, err
		}
	} else {
		meta = old.GetObjectMeta()
	}
	key := objectKey(r, meta.Namespace, meta.Name)
	claim, release := claimDiff(claimsOf(old), claimsOf(obj))
	txn := store.Txn{Key: key, Value: value, Rev: rev, Claim: claim, Release: release, Owner: []byte(key)}
	if rev == 0 && r.Namespaced {
		// New content needs its namespace, and one that is not terminating
		// (events excepted, so the namespace's deletion can be reported).
		txn.Require = []string{objectKey(mustResource("namespaces"), "", meta.Namespace)}
		if r.Name != "events" {
			txn.Absent = []string{markTerminating + meta.Namespace}
		}
	}
	newRev, err := s.store.Commit(ctx, txn)
	if err != nil {
		return nil, err
	}
	if obj == nil {
		out := api.DeepCopy(old)
		out.GetObjectMeta().ResourceVersion = strconv.FormatInt(newRev, 10)
		return out, nil
	}
	meta.ResourceVersion = strconv.FormatInt(newRev, 10)
	return obj, nil
}
