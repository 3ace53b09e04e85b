package kubelet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Local-path volumes are directories of one node, under the kubelet's
// --local-path-dir, which the kubelet announces on its Node (annotation
// kubelab.io/local-path-dir). The provisioner, running in the controller
// manager, makes the PersistentVolume object, but only the node can
// remove the directory. So each such volume carries the finalizer
// kubelab.io/local-path, and when it is deleted the kubelet of the node
// its nodeAffinity names removes the directory, then the finalizer, and
// the volume goes:
//
//	PV pvc-7f3c… deletionTimestamp set, finalizer kubelab.io/local-path,
//	  nodeAffinity kubernetes.io/hostname In [n1]
//	kubelet n1: rm -r <local-path-dir>/pvc-7f3c…_default_data; drop the finalizer
//
// (k3s' local-path provisioner runs a helper pod on the node instead.)
//
// The kubelet removes only what lies inside its own --local-path-dir, and
// never follows a symbolic link out of it: a volume whose path points
// elsewhere (an administrator's mistake, or an attempt to have the
// kubelet delete /etc) keeps its finalizer, and a VolumeFailedDelete
// event says why.

// pvAPI is the kubelet's write to PersistentVolumes; the apiserver lets a
// node update only the volumes whose nodeAffinity names it.
type pvAPI interface {
	UpdatePersistentVolume(ctx context.Context, pv *api.PersistentVolume) (*api.PersistentVolume, error)
}

// localPathReclaimer removes the directories of this node's deleted
// local-path volumes. Its sync is a reconciler over an informer of
// PersistentVolumes, keyed by volume name.
type localPathReclaimer struct {
	node    string
	dir     string // the absolute --local-path-dir
	volumes objectGetter
	api     pvAPI
	events  eventRecorder
	log     *zap.Logger
}

// sync removes the directory of the volume named key, if it is one of
// this node's local-path volumes being deleted, then its finalizer.
func (r *localPathReclaimer) sync(ctx context.Context, key string) error {
	obj, ok := r.volumes.Get(key)
	if !ok {
		return nil
	}
	pv := obj.(*api.PersistentVolume)
	if !r.ours(pv) {
		return nil
	}
	path, err := r.volumePath(pv)
	if err != nil {
		r.events.Eventf(pv, api.EventWarning, "VolumeFailedDelete", "%v", err)
		r.log.Warn("not removing a local-path volume's directory", zap.String("pv", pv.Name), zap.Error(err))
		return nil // nothing to retry: the volume must be fixed by hand
	}
	if path != "" {
		if err := os.RemoveAll(path); err != nil {
			return fmt.Errorf("remove the directory of volume %s: %w", pv.Name, err)
		}
		r.log.Info("removed a local-path volume's directory", zap.String("pv", pv.Name), zap.String("path", path))
	}
	upd := api.DeepCopy(pv)
	upd.Finalizers = slices.DeleteFunc(upd.Finalizers, func(f string) bool { return f == api.LocalPathFinalizer })
	if _, err := r.api.UpdatePersistentVolume(ctx, upd); err != nil && !client.IsNotFound(err) {
		return fmt.Errorf("remove the finalizer of volume %s: %w", pv.Name, err)
	}
	return nil
}

// ours reports whether pv is a local-path volume of this node waiting for
// its directory to go.
func (r *localPathReclaimer) ours(pv *api.PersistentVolume) bool {
	if pv.DeletionTimestamp == nil || !slices.Contains(pv.Finalizers, api.LocalPathFinalizer) {
		return false
	}
	aff := pv.Spec.NodeAffinity
	if aff == nil || aff.Required == nil {
		return false
	}
	node := &api.Node{ObjectMeta: api.ObjectMeta{Name: r.node, Labels: map[string]string{api.HostnameLabel: r.node}}}
	return api.NodeSelectorMatches(aff.Required, node)
}

// volumePath is the directory to remove, checked to lie inside the
// local-path directory once every symbolic link on the way is resolved;
// "" when it is gone already.
func (r *localPathReclaimer) volumePath(pv *api.PersistentVolume) (string, error) {
	var path string
	switch {
	case pv.Spec.HostPath != nil:
		path = pv.Spec.HostPath.Path
	case pv.Spec.Local != nil:
		path = pv.Spec.Local.Path
	default:
		return "", fmt.Errorf("volume %s has no hostPath or local path to remove", pv.Name)
	}
	outside := fmt.Errorf("refusing to remove %q: it is not inside this node's local-path directory %s", path, r.dir)
	if !filepath.IsAbs(path) || !inside(r.dir, filepath.Clean(path)) {
		return "", outside
	}
	root, err := filepath.EvalSymlinks(r.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil // no local-path directory: nothing was ever made
	}
	if err != nil {
		return "", err
	}
	// The parent with its links resolved; the last element itself is
	// removed, not followed, if it is a link.
	parent, err := filepath.EvalSymlinks(filepath.Dir(filepath.Clean(path)))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	real := filepath.Join(parent, filepath.Base(path))
	if !inside(root, real) {
		return "", outside
	}
	return real, nil
}

// inside reports whether path lies strictly below dir; both are clean.
func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && filepath.IsLocal(rel)
}

// reclaimLocalPaths runs the reclaimer: an informer of PersistentVolumes
// queues each volume that changes.
func (k *Kubelet) reclaimLocalPaths(ctx context.Context, wg *sync.WaitGroup, events eventRecorder) {
	res, _ := api.Lookup("persistentvolumes")
	volumes := client.NewInformer(k.client.Resource(res), client.ListOptions{}, k.log)
	queue := client.NewQueue("local-path")
	enqueue := func(obj api.Object) { queue.Add(client.KeyOf(obj)) }
	volumes.AddHandler(client.Handler{OnAdd: enqueue, OnUpdate: func(_, obj api.Object) { enqueue(obj) }})
	r := &localPathReclaimer{node: k.opts.NodeName, dir: k.opts.LocalPathDir, volumes: volumes,
		api: clientAPI{c: k.client}, events: events, log: k.log}
	wg.Go(func() { volumes.Run(ctx) })
	wg.Go(func() { client.RunWorkers(ctx, queue, 1, r.sync, k.log) })
}

func (a clientAPI) UpdatePersistentVolume(ctx context.Context, pv *api.PersistentVolume) (*api.PersistentVolume, error) {
	obj, err := a.resource("persistentvolumes").Update(ctx, pv)
	if err != nil {
		return nil, err
	}
	return obj.(*api.PersistentVolume), nil
}

var _ pvAPI = clientAPI{}
