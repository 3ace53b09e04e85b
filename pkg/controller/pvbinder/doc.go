// Package pvbinder is the PV controller: it binds PersistentVolumeClaims to
// PersistentVolumes, releases and reclaims volumes whose claims are gone,
// and lifts the protection finalizers once nothing uses a claim or volume
// any more. It is Kubernetes' PersistentVolumeController
// (pkg/controller/volume/persistentvolume/pv_controller.go) and its
// pvc-protection and pv-protection controllers
// (pkg/controller/volume/pvcprotection, pvprotection), without volume
// plugins: kubelab makes volumes with provisioners that are controllers of
// their own (pkg/controller/localpath), as Kubernetes' CSI provisioners are.
//
// # Binding
//
// A claim asks for storage (size, access modes, class, volume mode,
// maybe a label selector); a volume offers it. Binding makes them point
// at each other, in four writes, each skipped when already made:
//
//	volume.spec.claimRef = the claim (with its uid)      (+ bound-by-controller)
//	volume.status.phase  = Bound
//	claim.spec.volumeName = the volume                    (+ bind-completed, bound-by-controller)
//	claim.status = Bound, the volume's capacity and access modes
//
// A volume whose claimRef names a claim is the claim's, whoever wrote it:
// the controller, a user pre-binding it, or a provisioner that made it for
// the claim. So a controller that stops between two writes finds, on the
// next sync of either object, a volume that names its claim, and finishes
// the job: the loop is level-triggered and any order of crashes converges.
//
// For a claim that names no volume the controller picks the smallest
// unbound volume that satisfies it (findBestMatch). When there is none:
//
//	class with volumeBindingMode WaitForFirstConsumer,
//	  no selected-node annotation yet      → wait (event WaitForFirstConsumer,
//	                                         or WaitForPodScheduled naming the pod)
//	class with a provisioner               → annotate the claim
//	                                         volume.kubernetes.io/storage-provisioner,
//	                                         and wait for that provisioner (event ExternalProvisioning)
//	class of a kubernetes.io/ provisioner  → wait (event ProvisioningFailed: kubelab has no in-tree plugins)
//	no class, and a default class now      → take the default class
//	no class                               → wait for a volume (event FailedBinding)
//	a class that does not exist            → wait (event ProvisioningFailed)
//
// (pending.go says these in full.)
//
// WaitForFirstConsumer: the scheduler puts the node of the claim's first
// pod in the annotation volume.kubernetes.io/selected-node; then a volume
// that node can reach is bound, or one is provisioned there. (Kubernetes'
// scheduler binds such static volumes itself, in its volume binder;
// kubelab's scheduler only names the node, and this controller binds.)
//
// # Releasing
//
// When its claim is deleted (or replaced by a new claim of the same name:
// the uid differs), a bound volume becomes Released, and its reclaim
// policy decides: Retain keeps it, with its data and its claimRef, until
// an administrator deals with it; Delete deletes the PersistentVolume
// object. A local-path volume carries the finalizer kubelab.io/local-path,
// so the kubelet of its node removes the directory before the object goes.
//
// # Protection
//
// The apiserver gives every new claim the finalizer
// kubernetes.io/pvc-protection and every new volume
// kubernetes.io/pv-protection (pkg/apiserver/pvc_admission.go). Deleting
// one only marks it; this controller removes the finalizer of a claim
// once no pod that is not terminated uses it, and of a volume once it is
// not Bound, so that data does not disappear under a running pod.
//
// # The loop
//
// One queue carries both kinds of key: a claim's is namespace/name, a
// volume's (cluster-scoped) is its name alone. Sync dispatches on that.
// A claim's changes queue the claim (and, deleted, its volume); a
// volume's queue the volume and the claim it names; a volume that becomes
// free, or a class that appears, queues the pending claims, which may now
// bind; a pod that goes queues the claims it used, which may now go.
//
// # Wiring
//
//	c := pvbinder.New(claims, volumes, classes, pods, nodes, writer, recorder, log)
//	claims.AddHandler(c.ClaimHandler())
//	volumes.AddHandler(c.VolumeHandler())
//	classes.AddHandler(c.ClassHandler())
//	pods.AddHandler(c.PodHandler())
//	// start the informers, wait for them to sync, then
//	c.Run(ctx, 1)
//
// The pods informer needs the controller.IndexNamespace index.
package pvbinder
