package docker

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// ImagePresent implements runtime.Runtime with an image inspect: it never
// goes to a registry.
func (r *Runtime) ImagePresent(ctx context.Context, image string) (bool, error) {
	_, err := r.docker.ImageInspect(ctx, image)
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inspect image %s: %w", image, err)
	}
	return true, nil
}

// PullImage implements runtime.Runtime with the engine's pull, waiting for
// it to finish. The engine's error comes back whole ("pull access denied
// for …", "dial tcp: lookup registry-1.docker.io …"), after the image's
// name, which the engine does not always give: pod status shows it under
// ErrImagePull.
func (r *Runtime) PullImage(ctx context.Context, image string) error {
	pull, err := r.docker.ImagePull(ctx, image, client.ImagePullOptions{})
	if err == nil {
		err = pull.Wait(ctx)
	}
	if err != nil {
		return fmt.Errorf("pull image %q: %w", image, err)
	}
	return nil
}
