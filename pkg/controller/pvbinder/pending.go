package pvbinder

import (
	"context"
	"fmt"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// What a claim that no volume fits waits for, said in an event on the
// claim with Kubernetes' words (syncUnboundClaim and provisionClaim in
// pv_controller.go), so that `kctl describe pvc` answers "why Pending?":
//
//	WaitForFirstConsumer  its class binds once a pod using it is scheduled
//	WaitForPodScheduled   such a pod exists, and waits for the scheduler
//	ExternalProvisioning  a provisioner is to make the volume
//	ProvisioningFailed    the class names no provisioner kubelab has, or does not exist
//	FailedBinding         it has no class, so only an administrator's volume will do
//
// A claim that names no class at all (not even "") gets the default class
// if one has appeared since it was made, as Kubernetes' retroactive
// default StorageClass assignment does.

// reasonWaitForPodScheduled: a pod uses the claim but is not scheduled.
const reasonWaitForPodScheduled = "WaitForPodScheduled"

// wait records why the claim waits, handing it to its class's
// provisioner on the way. delayed is true while the claim waits for the
// scheduler.
func (c *Controller) wait(ctx context.Context, claim *api.PersistentVolumeClaim, class *api.StorageClass, delayed bool) error {
	switch {
	case delayed:
		c.waitForConsumer(claim)
	case class != nil && strings.HasPrefix(class.Provisioner, "kubernetes.io/"):
		// Kubernetes' in-tree plugins, which kubelab has none of;
		// kubernetes.io/no-provisioner says there is none by design.
		c.rec.Eventf(claim, api.EventWarning, reasonProvisioningFailed, "no volume plugin matched name: %s", class.Provisioner)
	case class != nil:
		return c.handToProvisioner(ctx, claim, class)
	case claim.Spec.StorageClassName == nil && c.defaultClass() != "":
		next := api.DeepCopy(claim)
		next.Spec.StorageClassName = api.String(c.defaultClass())
		if _, err := c.w.Update(ctx, next); err != nil {
			return fmt.Errorf("give claim %s/%s the default class: %w", claim.Namespace, claim.Name, err)
		}
	case claimClass(claim) == "":
		c.rec.Event(claim, api.EventNormal, reasonFailedBinding, "no persistent volumes available for this claim and no storage class is set")
	default:
		c.rec.Eventf(claim, api.EventWarning, reasonProvisioningFailed, "storageclass.storage.k8s.io %q not found", claimClass(claim))
	}
	return nil
}

// waitForConsumer names the pods the claim waits for, if any exist yet.
func (c *Controller) waitForConsumer(claim *api.PersistentVolumeClaim) {
	var unscheduled []string
	for _, obj := range c.pods.ByIndex(controller.IndexNamespace, claim.Namespace) {
		if pod := obj.(*api.Pod); pod.Spec.NodeName == "" && !podIsShutDown(pod) && usesClaim(pod, claim.Name) {
			unscheduled = append(unscheduled, pod.Name)
		}
	}
	switch len(unscheduled) {
	case 0:
		c.rec.Event(claim, api.EventNormal, reasonWaitForFirstConsumer, "waiting for first consumer to be created before binding")
	case 1:
		c.rec.Eventf(claim, api.EventNormal, reasonWaitForPodScheduled, "waiting for pod %s to be scheduled", unscheduled[0])
	default:
		c.rec.Eventf(claim, api.EventNormal, reasonWaitForPodScheduled, "waiting for pods %s to be scheduled", strings.Join(unscheduled, ","))
	}
}

// handToProvisioner names the class's provisioner in the claim's
// annotation volume.kubernetes.io/storage-provisioner, which is what an
// external provisioner (pkg/controller/localpath) waits for.
func (c *Controller) handToProvisioner(ctx context.Context, claim *api.PersistentVolumeClaim, class *api.StorageClass) error {
	if claim.Annotations[api.StorageProvisionerAnnotation] != class.Provisioner {
		next := api.DeepCopy(claim)
		if next.Annotations == nil {
			next.Annotations = map[string]string{}
		}
		next.Annotations[api.StorageProvisionerAnnotation] = class.Provisioner
		if _, err := c.w.Update(ctx, next); err != nil {
			return fmt.Errorf("annotate claim %s/%s for provisioner %s: %w", claim.Namespace, claim.Name, class.Provisioner, err)
		}
	}
	c.rec.Eventf(claim, api.EventNormal, reasonExternalProvisioning, "Waiting for a volume to be created either by the external provisioner '%s' "+
		"or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.", class.Provisioner)
	return nil
}

// defaultClass names the newest class marked default (of two as new, the
// first by name), or "", as the apiserver's admission chooses.
func (c *Controller) defaultClass() string {
	var newest *api.StorageClass
	for _, obj := range c.classes.List() {
		sc := obj.(*api.StorageClass)
		if sc.Annotations[api.IsDefaultStorageClassAnnotation] == "true" &&
			(newest == nil || sc.CreationTimestamp.After(newest.CreationTimestamp.Time)) {
			newest = sc
		}
	}
	if newest == nil {
		return ""
	}
	return newest.Name
}
