package store

import (
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Store reads and writes API objects in etcd under one key prefix. It holds
// no state of its own, so any number of Stores (and apiservers) can share an
// etcd cluster.
type Store struct {
	cli    *clientv3.Client
	prefix string // without a trailing "/"
}

// New returns a Store that keeps its keys under prefix, e.g. "/registry".
func New(cli *clientv3.Client, prefix string) *Store {
	return &Store{cli: cli, prefix: strings.TrimSuffix(prefix, "/")}
}

// Key returns the relative key of one object: "resource/namespace/name", or
// "resource/name" for a cluster-scoped object (namespace == "").
func Key(resource, namespace, name string) string {
	if namespace == "" {
		return resource + "/" + name
	}
	return resource + "/" + namespace + "/" + name
}

// Prefix returns the relative key prefix of a list or watch: all objects of
// resource in namespace, or in every namespace when namespace == "". The
// trailing "/" keeps namespace "a" from matching namespace "ab".
func Prefix(resource, namespace string) string {
	if namespace == "" {
		return resource + "/"
	}
	return resource + "/" + namespace + "/"
}

// KV is one stored object: its relative key, its value and the etcd
// revisions that created it and last modified it. ModRevision is the
// object's resourceVersion.
type KV struct {
	Key            string
	Value          []byte
	CreateRevision int64
	ModRevision    int64
}

var (
	// ErrNotFound means the key does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists means Create found the key already there.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict means the key changed since the caller read it: its
	// ModRevision is not the expected one.
	ErrConflict = errors.New("conflict: the object has been modified")
)

// GoneError says that a list or a watch asked for revisions etcd has
// compacted away. The apiserver answers it with 410 Gone; the client must
// list again.
type GoneError struct {
	Requested int64 // the revision the caller asked to read at or watch after
	Compacted int64 // the oldest revision etcd still has, when known
}

// Error reads like Kubernetes' message for the same situation.
func (e *GoneError) Error() string {
	return fmt.Sprintf("too old resource version: %d (%d)", e.Requested, e.Compacted)
}

// FutureError says that a caller asked for a revision etcd has not
// reached. The apiserver answers it as Kubernetes does: 504 "Too large
// resource version", to be retried a moment later.
type FutureError struct {
	Requested int64 // the revision asked for
	Current   int64 // etcd's revision when the caller gave up waiting
}

// Error reads like Kubernetes' message for the same situation.
func (e *FutureError) Error() string {
	return fmt.Sprintf("Too large resource version: %d, current: %d", e.Requested, e.Current)
}

// full turns a relative key into the etcd key.
func (s *Store) full(key string) string { return s.prefix + "/" + key }

// kv converts an etcd key-value pair into a KV with a relative key.
func (s *Store) kv(p *mvccpb.KeyValue) KV {
	return KV{
		Key:            strings.TrimPrefix(string(p.Key), s.prefix+"/"),
		Value:          p.Value,
		CreateRevision: p.CreateRevision,
		ModRevision:    p.ModRevision,
	}
}
