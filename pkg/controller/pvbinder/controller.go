package pvbinder

import (
	"context"
	"strings"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Controller binds claims to volumes and reclaims released volumes.
type Controller struct {
	claims, volumes, classes, pods, nodes controller.Lister
	w                                     controller.Writer
	rec                                   controller.EventRecorder
	log                                   *zap.Logger
	queue                                 *client.Queue
}

// New returns a controller that reads claims, volumes, StorageClasses,
// pods (indexed by namespace) and nodes from the given caches and writes
// through w.
func New(claims, volumes, classes, pods, nodes controller.Lister, w controller.Writer, rec controller.EventRecorder, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{claims: claims, volumes: volumes, classes: classes, pods: pods, nodes: nodes,
		w: w, rec: rec, log: log, queue: client.NewQueue("pvbinder")}
}

// Run works the queue until ctx is done. Call it once the informers have
// synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync reconciles a claim (key namespace/name) or a volume (key name).
func (c *Controller) Sync(ctx context.Context, key string) error {
	if strings.Contains(key, "/") {
		return c.syncClaim(ctx, key) // claim.go
	}
	return c.syncVolume(ctx, key) // volume.go
}

var (
	claimsResource  = controller.Resource("persistentvolumeclaims")
	volumesResource = controller.Resource("persistentvolumes")
)

// ClaimHandler queues a claim that changed; a claim deleted queues the
// volumes that name it, which are now released: its own, and one a
// provisioner made for it that was not bound yet.
func (c *Controller) ClaimHandler() client.Handler {
	add := func(obj api.Object) { c.queue.Add(client.KeyOf(obj)) }
	return client.Handler{
		OnAdd:    add,
		OnUpdate: func(_, obj api.Object) { add(obj) },
		OnDelete: func(obj api.Object) {
			claim := obj.(*api.PersistentVolumeClaim)
			for _, o := range c.volumes.List() {
				if ref := o.(*api.PersistentVolume).Spec.ClaimRef; ref != nil && ref.Namespace == claim.Namespace && ref.Name == claim.Name {
					c.queue.Add(o.GetObjectMeta().Name)
				}
			}
		},
	}
}

// VolumeHandler queues a volume that changed and the claim it names; a
// volume with no claim may be what pending claims wait for.
func (c *Controller) VolumeHandler() client.Handler {
	look := func(obj api.Object) {
		pv := obj.(*api.PersistentVolume)
		c.queue.Add(pv.Name)
		if ref := pv.Spec.ClaimRef; ref != nil {
			c.queue.Add(ref.Namespace + "/" + ref.Name)
		} else {
			c.queuePendingClaims()
		}
	}
	return client.Handler{
		OnAdd:    look,
		OnUpdate: func(_, obj api.Object) { look(obj) },
		OnDelete: func(obj api.Object) {
			if ref := obj.(*api.PersistentVolume).Spec.ClaimRef; ref != nil {
				c.queue.Add(ref.Namespace + "/" + ref.Name) // lost its volume
			}
		},
	}
}

// ClassHandler queues the pending claims when a class appears or changes:
// a claim may have waited for its class.
func (c *Controller) ClassHandler() client.Handler {
	return client.Handler{
		OnAdd:    func(api.Object) { c.queuePendingClaims() },
		OnUpdate: func(_, _ api.Object) { c.queuePendingClaims() },
	}
}

// PodHandler queues the claims of a pod that is gone or has terminated:
// a claim being deleted may have waited for it.
func (c *Controller) PodHandler() client.Handler {
	release := func(obj api.Object) {
		pod := obj.(*api.Pod)
		if !podIsShutDown(pod) {
			return
		}
		for _, name := range claimNames(pod) {
			c.queue.Add(pod.Namespace + "/" + name)
		}
	}
	return client.Handler{
		OnUpdate: func(_, obj api.Object) { release(obj) },
		OnDelete: func(obj api.Object) {
			pod := obj.(*api.Pod)
			for _, name := range claimNames(pod) {
				c.queue.Add(pod.Namespace + "/" + name)
			}
		},
	}
}

// queuePendingClaims queues every claim not bound yet. Kubernetes instead
// resyncs every claim every 15 s; a cluster of kubelab's size has few.
func (c *Controller) queuePendingClaims() {
	for _, obj := range c.claims.List() {
		if claim := obj.(*api.PersistentVolumeClaim); claim.Status.Phase != api.ClaimBound {
			c.queue.Add(client.KeyOf(claim))
		}
	}
}
