package kctl

import (
	"context"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// ApplyObject is kctl apply for one decoded object, for programs that
// apply on a user's behalf (the dashboard's apply form): it creates obj
// through c, or patches it with what changed since the last apply, and
// returns what kctl prints after the object's name ("created",
// "configured", "unchanged"). obj must have its namespace set. Warnings
// go to warn.
func ApplyObject(ctx context.Context, c *client.Client, obj api.Object, res api.Resource, warn func(string)) (string, error) {
	return applyOne(ctx, c, manifest{source: "the manifest", obj: obj, res: res}, warn)
}

// ObjectLabel is how kctl names an object in what it prints:
// replicaset.apps/kubia.
func ObjectLabel(res api.Resource, name string) string { return objectLabel(res, name) }
