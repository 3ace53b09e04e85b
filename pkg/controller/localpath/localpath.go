package localpath

import (
	"context"
	"fmt"
	"path"
	"slices"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Event reasons, Kubernetes' external provisioners'.
const (
	reasonProvisioningFailed    = "ProvisioningFailed"
	reasonProvisioningSucceeded = "ProvisioningSucceeded"
)

// Controller makes a local-path volume for each claim that waits for one.
type Controller struct {
	claims, volumes, classes, nodes controller.Lister
	w                               controller.Writer
	rec                             controller.EventRecorder
	log                             *zap.Logger
	queue                           *client.Queue
}

// New returns a provisioner that reads claims, volumes, StorageClasses and
// nodes from the given caches and creates volumes through w.
func New(claims, volumes, classes, nodes controller.Lister, w controller.Writer, rec controller.EventRecorder, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{claims: claims, volumes: volumes, classes: classes, nodes: nodes,
		w: w, rec: rec, log: log, queue: client.NewQueue("localpath")}
}

// Run works the queue until ctx is done. Call it once the informers have
// synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync takes a claim's key and makes its volume, if the claim waits for
// this provisioner on a node that says where its volumes go.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.claims.Get(key)
	if !ok {
		return nil
	}
	claim := obj.(*api.PersistentVolumeClaim)
	class := c.classOf(claim)
	if class == nil || claim.DeletionTimestamp != nil || claim.Spec.VolumeName != "" ||
		claim.Annotations[api.StorageProvisionerAnnotation] != api.LocalPathProvisioner {
		return nil // not ours, or not waiting for a volume
	}
	name := "pvc-" + claim.UID
	if _, ok := c.volumes.Get(name); ok {
		return nil // made already; the PV controller binds it
	}
	if why := unprovisionable(claim, class); why != "" {
		c.rec.Eventf(claim, api.EventWarning, reasonProvisioningFailed, "%s", why)
		return nil // only a new claim, or a new class, can change that
	}
	nodeName := claim.Annotations[api.SelectedNodeAnnotation]
	if nodeName == "" {
		return nil // the scheduler has not chosen a node yet
	}
	dir, err := c.volumeDir(nodeName)
	if err != nil {
		c.rec.Eventf(claim, api.EventWarning, reasonProvisioningFailed, "%v", err)
		return err // the kubelet may annotate its node soon: try again
	}
	pv := newVolume(name, dir, nodeName, claim, class)
	_, err = c.w.Create(ctx, pv)
	if client.IsAlreadyExists(err) {
		return nil // made by an earlier Sync this cache has not seen yet
	}
	if err != nil {
		c.rec.Eventf(claim, api.EventWarning, reasonProvisioningFailed, "create volume %s: %v", name, err)
		return fmt.Errorf("create volume %s for claim %s: %w", name, key, err)
	}
	c.rec.Eventf(claim, api.EventNormal, reasonProvisioningSucceeded, "Successfully provisioned volume %s", name)
	c.log.Info("provisioned", zap.String("claim", key), zap.String("volume", name), zap.String("node", nodeName))
	return nil
}

// classOf returns the claim's class if this provisioner makes its volumes.
func (c *Controller) classOf(claim *api.PersistentVolumeClaim) *api.StorageClass {
	if claim.Spec.StorageClassName == nil || *claim.Spec.StorageClassName == "" {
		return nil
	}
	obj, ok := c.classes.Get(*claim.Spec.StorageClassName)
	if !ok || obj.(*api.StorageClass).Provisioner != api.LocalPathProvisioner {
		return nil
	}
	return obj.(*api.StorageClass)
}

// unprovisionable says why no local-path volume can serve the claim, or "".
func unprovisionable(claim *api.PersistentVolumeClaim, class *api.StorageClass) string {
	if m := class.VolumeBindingMode; m == nil || *m != api.VolumeBindingWaitForFirstConsumer {
		return fmt.Sprintf("storageclass %q: %s volumes are directories of one node, so the class needs volumeBindingMode %s (the scheduler chooses the node first)",
			class.Name, api.LocalPathProvisioner, api.VolumeBindingWaitForFirstConsumer)
	}
	for _, m := range claim.Spec.AccessModes {
		if m != api.ReadWriteOnce && m != api.ReadWriteOncePod {
			return fmt.Sprintf("%s volumes are directories of one node: access mode %s is not supported, only %s and %s",
				api.LocalPathProvisioner, m, api.ReadWriteOnce, api.ReadWriteOncePod)
		}
	}
	return ""
}

// volumeDir is where the node's kubelet keeps local-path volumes.
func (c *Controller) volumeDir(nodeName string) (string, error) {
	obj, ok := c.nodes.Get(nodeName)
	if !ok {
		return "", fmt.Errorf("node %q not found", nodeName)
	}
	dir := obj.GetObjectMeta().Annotations[api.LocalPathDirAnnotation]
	if dir == "" || !path.IsAbs(dir) {
		return "", fmt.Errorf("node %q has no annotation %s (an absolute path): its kubelet has not said where local-path volumes go", nodeName, api.LocalPathDirAnnotation)
	}
	return dir, nil
}

// newVolume is the volume for claim on node, pre-bound to the claim.
func newVolume(name, dir, node string, claim *api.PersistentVolumeClaim, class *api.StorageClass) *api.PersistentVolume {
	pv := &api.PersistentVolume{
		ObjectMeta: api.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{api.ProvisionedByAnnotation: api.LocalPathProvisioner},
			Finalizers:  []string{api.LocalPathFinalizer},
		},
		Spec: api.PersistentVolumeSpec{
			Capacity:    api.ResourceList{api.ResourceStorage: claim.Spec.Resources.Requests[api.ResourceStorage]},
			AccessModes: slices.Clone(claim.Spec.AccessModes),
			PersistentVolumeSource: api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{
				Path: path.Join(dir, name+"_"+claim.Namespace+"_"+claim.Name),
				Type: api.HostPathDirectoryOrCreate,
			}},
			ClaimRef: &api.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: claim.Namespace, Name: claim.Name, UID: claim.UID, ResourceVersion: claim.ResourceVersion},
			PersistentVolumeReclaimPolicy: api.ReclaimDelete,
			StorageClassName:              class.Name,
			MountOptions:                  slices.Clone(class.MountOptions),
			VolumeMode:                    claim.Spec.VolumeMode,
			NodeAffinity: &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
				MatchExpressions: []api.NodeSelectorRequirement{{Key: api.HostnameLabel, Operator: "In", Values: []string{node}}},
			}}}},
		},
	}
	if class.ReclaimPolicy != nil {
		pv.Spec.PersistentVolumeReclaimPolicy = *class.ReclaimPolicy
	}
	api.SetTypeMeta(pv)
	return pv
}

// ClaimHandler queues a claim added or changed: the PV controller's
// provisioner annotation and the scheduler's selected node come as updates.
func (c *Controller) ClaimHandler() client.Handler {
	add := func(obj api.Object) { c.queue.Add(client.KeyOf(obj)) }
	return client.Handler{OnAdd: add, OnUpdate: func(_, obj api.Object) { add(obj) }}
}

// NodeHandler queues the claims waiting on a node when the node changes:
// its kubelet may just have said where volumes go.
func (c *Controller) NodeHandler() client.Handler {
	look := func(obj api.Object) {
		node := obj.GetObjectMeta().Name
		for _, o := range c.claims.List() {
			claim := o.(*api.PersistentVolumeClaim)
			if claim.Spec.VolumeName == "" && claim.Annotations[api.SelectedNodeAnnotation] == node {
				c.queue.Add(client.KeyOf(claim))
			}
		}
	}
	return client.Handler{OnAdd: look, OnUpdate: func(old, obj api.Object) {
		if old.GetObjectMeta().Annotations[api.LocalPathDirAnnotation] != obj.GetObjectMeta().Annotations[api.LocalPathDirAnnotation] {
			look(obj)
		}
	}}
}
