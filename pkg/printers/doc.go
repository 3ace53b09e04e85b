// Package printers holds kubectl's tables: for each kind kubelab serves,
// the columns `kubectl get` shows (names, types, which ones only -o wide
// shows), and the function from an object to its row.
//
// There is one copy of them, used on both sides of the wire. The
// apiserver renders Tables with it when a client asks for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, as kubectl
// does; kctl asks for the same Tables and only lines them up. So a column
// added here shows in kubectl and kctl alike.
//
//	t, err := printers.NewTable("Pod", pods, time.Now(), printers.Options{})
//
// Cells are strings, except for counts (a ReplicaSet's DESIRED, a
// ConfigMap's DATA), which are integers on the wire as in Kubernetes.
// AGE cells are rendered by the server, from its clock.
//
// The package imports only pkg/api, so that every component may use it.
// table.go is the Table on the wire and how it is built; kinds.go the
// columns of every kind; the rows go by kind: columns.go (the core kinds),
// columns_workloads.go, columns_statefulset.go, columns_storage.go,
// columns_rbac.go, columns_lease.go; format.go holds the cells kctl's
// describe writes too (ages, labels).
package printers
