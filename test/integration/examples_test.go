package integration

import (
	"context"
	"testing"

	"kubelab/pkg/api"
)

// The shape of a course's URL shortener applies unchanged and runs on
// simulated nodes: the database StatefulSet's claim is provisioned on
// local-path and bound, its pod becomes Ready, and the web Deployment,
// configured from a ConfigMap (envFrom) and a Secret (secretKeyRef),
// has its two pods available.
func TestURLShortenerExample(t *testing.T) {
	cl := startCluster(t, "n1", "n2")
	mustKctl(t, cl.addr, "apply", "-f", "addons/local-path.yaml")
	mustKctl(t, cl.addr, "apply", "-f", "examples/url-shortener.yaml")

	ctx := context.Background()
	cl.eventually("postgres-0 Ready on its bound claim", func() bool {
		obj, err := cl.res("persistentvolumeclaims").Namespace("default").Get(ctx, "data-postgres-0")
		if err != nil || obj.(*api.PersistentVolumeClaim).Status.Phase != api.ClaimBound {
			return false
		}
		obj, err = cl.res("statefulsets").Namespace("default").Get(ctx, "postgres")
		return err == nil && obj.(*api.StatefulSet).Status.ReadyReplicas == 1
	})
	cl.eventually("the shortener's 2 pods available", func() bool {
		obj, err := cl.res("deployments").Namespace("default").Get(ctx, "shortener")
		return err == nil && obj.(*api.Deployment).Status.AvailableReplicas == 2
	})
}
