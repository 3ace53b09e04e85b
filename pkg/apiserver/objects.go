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
// every read. The resources the encryption config names (Secrets) are
// encrypted on the way in and decrypted on the way out, here and nowhere
// else, so that no value leaves etcd in plaintext unless configured so.

func objectKey(r api.Resource, namespace, name string) string {
	return store.Key(r.Name, namespace, name)
}

func (s *Server) decodeStored(r api.Resource, kv store.KV) (api.Object, error) {
	plain, _, err := s.transformer(r).FromStorage(kv.Value, kv.Key)
	if err != nil {
		return nil, err
	}
	obj := r.New()
	if err := json.Unmarshal(plain, obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", kv.Key, err)
	}
	// Defaults again, as Kubernetes defaults what it reads from etcd: an
	// object an older apiserver stored gets the defaults added since
	// (say a pod's serviceAccountName), so that an update comparing it
	// with its defaulted new version sees no change it did not make.
	api.SetDefaults(obj)
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
	kv, st := s.loadKV(ctx, r, namespace, name)
	if st != nil {
		return nil, 0, st
	}
	obj, err := s.decodeStored(r, kv)
	if err != nil {
		return nil, 0, internalError(err)
	}
	return obj, kv.ModRevision, nil
}

// loadKV reads one object as stored.
func (s *Server) loadKV(ctx context.Context, r api.Resource, namespace, name string) (store.KV, *api.Status) {
	kv, err := s.store.Get(ctx, objectKey(r, namespace, name))
	if errors.Is(err, store.ErrNotFound) {
		return kv, notFound(r, name)
	}
	if err != nil {
		return kv, internalError(err)
	}
	return kv, nil
}

// loadTwice is load with a second, independent copy of the object, for
// an update to change while it compares with the first. Decoding the
// stored value again costs half of api.DeepCopy, which encodes the object
// before it decodes it: a tenth of an update's own CPU time.
func (s *Server) loadTwice(ctx context.Context, r api.Resource, namespace, name string) (old, cur api.Object, rev int64, st *api.Status) {
	kv, st := s.loadKV(ctx, r, namespace, name)
	if st != nil {
		return nil, nil, 0, st
	}
	old, err := s.decodeStored(r, kv)
	if err == nil {
		cur, err = s.decodeStored(r, kv)
	}
	if err != nil {
		return nil, nil, 0, internalError(err)
	}
	return old, cur, kv.ModRevision, nil
}

// storeErr maps a store error to the Status a client should see. obj is
// the object that was to be written (nil for a delete).
func storeErr(r api.Resource, obj api.Object, name string, err error) *api.Status {
	var (
		claim *store.ClaimError
		cond  *store.ConditionError
		big   *tooLargeError
	)
	switch {
	case errors.As(err, &big):
		return tooLarge(big.Error())
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
		return conflict(r, name, modified)
	case errors.As(err, &claim):
		return claimTaken(r, obj, name, claim.Key)
	}
	return internalError(err)
}

// commit writes obj (or deletes it when obj is nil) in one transaction with
// the addresses it claims and releases. rev is the revision the caller read
// (0 to create). It returns the stored object with its new resourceVersion.
func (s *Server) commit(ctx context.Context, r api.Resource, obj, old api.Object, rev int64) (api.Object, *api.Status) {
	out, err := s.commitTxn(ctx, r, obj, old, rev)
	if err != nil {
		return nil, storeErr(r, obj, nameOf(obj, old), err)
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
		if len(value) > maxObjectBytes {
			return nil, &tooLargeError{resource: r, name: meta.Name, size: len(value)}
		}
	} else {
		meta = old.GetObjectMeta()
	}
	key := objectKey(r, meta.Namespace, meta.Name)
	if value != nil {
		if value, err = s.transformer(r).ToStorage(value, key); err != nil {
			return nil, err
		}
	}
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

// An object is written in one etcd request, and etcd refuses a request
// larger than its --max-request-bytes with "etcdserver: request is too
// large", which would reach the client as a 500. So the apiserver checks
// the size itself, before writing anything, and answers 413 naming the
// limit, as Kubernetes does.
const (
	// etcdMaxRequestBytes is etcd's default limit, 1.5 MiB, which the
	// embedded etcd keeps (pkg/store/embedded.go does not change it).
	etcdMaxRequestBytes = 3 << 19
	// maxObjectBytes leaves room in that request for the key, the claims
	// and the comparisons written with the object.
	maxObjectBytes = etcdMaxRequestBytes - 64<<10
)

// tooLargeError is an object above maxObjectBytes when encoded.
type tooLargeError struct {
	resource api.Resource
	name     string
	size     int
}

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("limit is %d bytes: %s %s is %d bytes as stored (etcd takes at most %d bytes in one request)",
		maxObjectBytes, qualified(e.resource), api.Quote(e.name), e.size, etcdMaxRequestBytes)
}
