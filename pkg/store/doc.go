// Package store keeps API objects in etcd. It is the only package that talks
// to etcd, and only the apiserver imports it. Values are opaque bytes (the
// apiserver's JSON); the store never looks inside them.
//
// # Keys
//
// A Store is created with a prefix, usually "/registry". Callers pass keys
// relative to it, built with Key, and the store prepends prefix+"/":
//
//	s := store.New(cli, "/registry")
//	key := store.Key("pods", "default", "web-1") // "pods/default/web-1"
//	// stored in etcd at /registry/pods/default/web-1
//
// Cluster-scoped objects have no namespace: Key("nodes", "", "n1") is
// "nodes/n1". Prefix gives the key prefix for a list or a watch; it ends in
// "/" so that namespace "a" never matches keys of namespace "ab".
//
// # resourceVersion is the etcd revision
//
// etcd numbers every change to the whole key space with one increasing
// revision. Each key remembers the revision that created it
// (CreateRevision) and the one that last changed it (ModRevision). The
// apiserver uses ModRevision as the object's resourceVersion, and the
// revision a List was read at as the list's resourceVersion.
//
// # Optimistic concurrency
//
// Writes are etcd transactions that compare before they write, so two
// apiservers can never lose each other's updates:
//
//   - Create writes only if CreateRevision(key) == 0 (the key does not
//     exist), else ErrAlreadyExists.
//   - Update writes only if ModRevision(key) equals the resourceVersion the
//     caller read, else ErrConflict (HTTP 409): someone changed the object
//     since, and the caller must read it again.
//   - GuaranteedUpdate is the read-modify-write loop around Update that the
//     apiserver uses for PATCH, status updates and allocations: it reads,
//     calls your function, writes with compare-and-swap, and on conflict
//     reads again and retries.
//
// Errors wrap the sentinels ErrNotFound, ErrAlreadyExists and ErrConflict;
// test them with errors.Is.
//
// # Watch
//
// Watch(ctx, prefix, rev) streams every change under prefix strictly after
// revision rev, in order, so a client that listed at revision rev and then
// watches from rev misses nothing and sees nothing twice. etcd keeps old
// revisions only until they are compacted (see Compact and StartCompactor);
// watching from a compacted revision fails with *GoneError, which the
// apiserver answers with 410 Gone, and the client lists again.
//
// # Running etcd
//
// StartEmbedded runs a single-member etcd inside the process (the laptop
// default); Connect dials an existing cluster (--etcd-servers).
package store
