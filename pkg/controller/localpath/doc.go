// Package localpath is kubelab's local-path provisioner: it makes a
// PersistentVolume for each claim of a StorageClass whose provisioner is
// kubelab.io/local-path, a directory on the node where the claim's first
// pod was scheduled. It plays the part of Rancher's local-path-provisioner
// and of Kubernetes' external provisioners (sig-storage-lib-external-provisioner):
// a controller of its own, outside the PV controller, that turns a claim
// into a volume, which the PV controller (pkg/controller/pvbinder) then
// binds.
//
// # When a claim gets a volume
//
// The StorageClass local-path (addons/local-path.yaml) has
// volumeBindingMode WaitForFirstConsumer, because a directory lives on one
// node and the claim's pod must run there: the claim waits until the
// scheduler has chosen a node for its pod and written it in the claim's
// annotation volume.kubernetes.io/selected-node. Then the PV controller,
// finding no volume, names the provisioner in the claim's annotation
// volume.kubernetes.io/storage-provisioner, and Sync makes:
//
//	name:          pvc-<claim uid>
//	capacity:      the claim's request; access modes and volume mode the claim's
//	reclaimPolicy: the class's (Delete by default)
//	hostPath:      <dir>/pvc-<uid>_<namespace>_<claim>, type DirectoryOrCreate
//	nodeAffinity:  kubernetes.io/hostname In [<node>]
//	claimRef:      the claim, uid included (pre-bound: no other claim takes it)
//	annotations:   pv.kubernetes.io/provisioned-by: kubelab.io/local-path
//	finalizers:    kubelab.io/local-path
//
// <dir> is the node's annotation kubelab.io/local-path-dir, which its
// kubelet sets to where it keeps these volumes. A node without it gets an
// event ProvisioningFailed on the claim, and the claim is tried again.
// A class of Immediate binding is refused with an event: there is no node
// to put the directory on before a pod is scheduled.
//
// The name comes from the claim's uid, so a second Sync (a restart, a
// stale cache) finds the volume there (AlreadyExists) and makes no other.
//
// # Who touches the disk
//
// Not this controller: the controller manager does not run on the node
// whose disk it is. The kubelet of that node does, through the volume
// itself: it creates the directory when a pod mounts the volume (hostPath
// DirectoryOrCreate), and when the PersistentVolume is being deleted (its
// claim gone, policy Delete: the PV controller deletes it) it removes the
// directory and then the finalizer kubelab.io/local-path, which held the
// object until then. Rancher's provisioner runs a helper pod on the node
// instead; that needs an image on every node and a privileged hostPath
// mount of the whole volume directory, which the kubelet already has.
//
// # Wiring
//
//	p := localpath.New(claims, volumes, classes, nodes, writer, recorder, log)
//	claims.AddHandler(p.ClaimHandler())
//	nodes.AddHandler(p.NodeHandler())
//	// start the informers, wait for them to sync, then
//	p.Run(ctx, 1)
package localpath
