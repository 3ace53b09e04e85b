// Package store keeps API objects in etcd. It is the only package that talks
// to etcd, and only the apiserver imports it. Values are opaque bytes (the
// apiserver's JSON); the store never looks inside them.
//
// # Keys
//
// A Store keeps its keys under a prefix, usually "/registry". Callers pass
// keys relative to it, built with Key, and the store prepends prefix+"/":
//
//	s := etcd.Store("/registry")
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
// revision a List was read at as the list's resourceVersion. ListAt reads
// the store as it was at an older revision; WaitForRevision waits for one
// etcd has not reached yet. ListPage reads one page of a list, from a key
// on, at a revision: a paginated list reads every page at the revision of
// its first, so the pages make one snapshot (page.go).
//
// # Writes: one transaction
//
// Every write is a Commit: one etcd transaction that compares before it
// writes, so two apiservers can never lose each other's updates (txn.go):
//
//   - a create (Txn.Rev 0) writes only if the key does not exist, else
//     ErrAlreadyExists;
//   - an update or a delete (Txn.Rev = the resourceVersion the caller read)
//     writes only if the key's ModRevision is still that, else ErrConflict
//     (HTTP 409: someone changed the object since; read it again);
//   - the same transaction takes and gives up the object's claims on unique
//     things (a ClusterIP, a NodePort), and checks that its namespace
//     exists and is not terminating.
//
// Under a context marked WithDryRun (a server-side dry run), Commit only
// checks the comparisons, in a transaction without operations, and
// writes nothing: the same errors, no new revision (dryrun.go).
//
// The apiserver builds its read-modify-write loops (PATCH, status updates)
// on Get and Commit. Errors wrap the sentinels ErrNotFound,
// ErrAlreadyExists and ErrConflict, to test with errors.Is, or are one of
// *ClaimError, *ConditionError and *NoSpaceError.
//
// # Watch
//
// A Broadcaster serves watches: Watch(ctx, prefix, rev, buffer) streams
// every change under prefix strictly after revision rev, in order, so a
// client that listed at revision rev and then watches from rev misses
// nothing and sees nothing twice. It watches each resource in etcd once,
// whatever the number of watchers, keeps a window of recent events for
// watchers that start a little back, and drops a watcher that falls a
// whole buffer behind (ErrTooSlow), so that a client that stops reading
// costs bounded memory (broadcast.go). Every watcher of an event gets
// the same Event.Shared, where the first to decode or encode the event
// keeps the result for the others (shared.go). etcd keeps old revisions only
// until they are compacted; watching from a compacted revision, or one
// before the window, fails with *GoneError, which the apiserver answers
// with 410 Gone, and the client lists again.
//
// # Keeping etcd healthy
//
// RunCompactor compacts the history every interval to the revision of
// the interval before, defragments members that gain from it, and disarms
// etcd's NOSPACE alarm once the space is back, so a cluster that filled its
// quota recovers by itself once objects are deleted (compact.go,
// maintenance.go). Alarms reports raised alarms for the apiserver's
// /readyz.
//
// # Running etcd
//
// StartEmbedded runs a single-member etcd inside the process (the laptop
// default): it refuses to start on a disk without room for etcd's log, and
// says plainly when a full disk stops it (diskspace.go). It opens no
// network port: its client is in-process, and its one socket is a unix
// socket in its 0700 data directory (embedded.go). Connect dials an
// existing cluster (--etcd-servers), over TLS with a client certificate
// when given ClientTLS's settings (connect.go). Both give Stores with
// Store(prefix).
package store
