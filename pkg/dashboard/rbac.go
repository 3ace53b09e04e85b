package dashboard

import _ "embed"

// UserName is the user the dashboard's client certificate names, which
// RBACManifest binds to its role.
const UserName = "kubelab-dashboard"

// RBACManifest is the dashboard's ClusterRole and its binding to
// UserName: read what the pages show. make up applies it with the
// admin's credentials (`dashboard rbac | kctl apply -f -`).
//
//go:embed rbac.yaml
var RBACManifest []byte
