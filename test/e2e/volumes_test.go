package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/pki"
	"kubelab/pkg/scheduler"
)

// TestPersistentVolumes: a pod's data lives on in its claim's volume when
// the pod is deleted and made again, on a hostPath volume made by hand
// and on one the local-path provisioner makes for a WaitForFirstConsumer
// claim; the latter's directory goes with its claim. The PV controller
// and the provisioner run in the controller manager, and the scheduler
// picks the node of the local-path claim's first pod.
func TestPersistentVolumes(t *testing.T) {
	c := startCluster(t)
	run := c.stepper(t)
	c.startControllers()
	c.startScheduler()
	static := filepath.Join(t.TempDir(), "static") // made by the kubelet, DirectoryOrCreate

	run("a hostPath volume keeps a pod's file for the next pod", func(t *testing.T) {
		c.create("persistentvolumes", &api.PersistentVolume{
			ObjectMeta: api.ObjectMeta{Name: "e2e-static"},
			Spec: api.PersistentVolumeSpec{
				Capacity:                      api.ResourceList{"storage": api.MustParse("1Gi")},
				AccessModes:                   []string{api.ReadWriteOnce},
				PersistentVolumeReclaimPolicy: api.ReclaimRetain,
				PersistentVolumeSource: api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{
					Path: static, Type: api.HostPathDirectoryOrCreate}},
				NodeAffinity: onlyOn(c.node),
			},
		})
		c.create("persistentvolumeclaims", claim("static-data", api.String(""), "e2e-static"))
		c.waitClaimBound("static-data")

		c.createPod(claimPod("writer", "static-data", false, "echo kept > /data/greeting; "+sleepForever))
		c.waitPod("writer", 30*time.Second, "to run", running)
		c.eventually(10*time.Second, "the file on the node", func() error {
			b, err := os.ReadFile(filepath.Join(static, "greeting"))
			if err != nil || string(b) != "kept\n" {
				return fmt.Errorf("%q, %v", b, err)
			}
			return nil
		})
		if fi, err := os.Stat(static); err != nil || fi.Mode().Perm() != 0o777 {
			t.Errorf("the volume's directory: %v, %v; want made with mode 0777", fi, err)
		}
		c.deletePod("writer")

		// The same name again: a new pod, a new UID, the same claim.
		c.createPod(claimPod("writer", "static-data", true, sleepForever))
		c.waitPod("writer", 30*time.Second, "to run", running)
		if got := c.mustKctl("exec", "writer", "--", "cat", "/data/greeting"); got != "kept\n" {
			t.Errorf("the new pod reads %q, want %q", got, "kept\n")
		}
		if _, _, code := c.kctl("exec", "writer", "--", "touch", "/data/new"); code == 0 {
			t.Error("a readOnly claim volume took a write")
		}
		c.deletePod("writer")
		if _, err := os.Stat(filepath.Join(static, "greeting")); err != nil {
			t.Errorf("the data after the pods went: %v", err)
		}
		c.checkNoMounts(static)
	})

	run("an unbound claim keeps its pod ContainerCreating", func(t *testing.T) {
		c.create("persistentvolumeclaims", claim("unbound", api.String(""), "no-such-volume"))
		c.createPod(claimPod("waiter", "unbound", false, sleepForever))
		c.waitPod("waiter", 20*time.Second, "to wait for its claim", func(p *api.Pod) error {
			if s := containerStatus(p, "app"); s.State.Waiting == nil || s.State.Waiting.Reason != "ContainerCreating" {
				return fmt.Errorf("app: %s", containerStates(p))
			}
			return c.hasEvent("waiter", "FailedMount", "error processing PVC default/unbound: PVC is not bound")
		})
		c.deletePod("waiter")
		c.delete("persistentvolumeclaims", "default", "unbound")
	})

	run("a local-path claim: made on the pod's node, kept, removed with the claim", func(t *testing.T) {
		c.create("storageclasses", &api.StorageClass{
			ObjectMeta:        api.ObjectMeta{Name: api.LocalPathStorageClass},
			Provisioner:       api.LocalPathProvisioner,
			ReclaimPolicy:     api.String(api.ReclaimDelete),
			VolumeBindingMode: api.String(api.VolumeBindingWaitForFirstConsumer),
		})
		c.create("persistentvolumeclaims", claim("lp-data", api.String(api.LocalPathStorageClass), ""))
		pod := claimPod("lp-writer", "lp-data", false, "echo local > /data/greeting; "+sleepForever)
		c.create("pods", pod) // no node: the scheduler picks one, then the claim's volume is made there
		c.waitPod("lp-writer", 60*time.Second, "to run", running)
		cl := c.waitClaimBound("lp-data")
		dir := filepath.Join(c.rootDir, "local-path", cl.Spec.VolumeName+"_default_lp-data")
		c.eventually(10*time.Second, "the file in "+dir, func() error {
			if b, err := os.ReadFile(filepath.Join(dir, "greeting")); err != nil || string(b) != "local\n" {
				return fmt.Errorf("%q, %v", b, err)
			}
			return nil
		})
		c.deletePod("lp-writer")
		c.create("pods", claimPod("lp-writer", "lp-data", false, sleepForever))
		c.waitPod("lp-writer", 60*time.Second, "to run again", running)
		if got := c.mustKctl("exec", "lp-writer", "--", "cat", "/data/greeting"); got != "local\n" {
			t.Errorf("the new pod reads %q, want %q", got, "local\n")
		}
		c.deletePod("lp-writer")
		c.checkNoMounts(dir)

		c.delete("persistentvolumeclaims", "default", "lp-data")
		c.eventually(60*time.Second, "the volume and its directory to go", func() error {
			if _, err := c.client.Resource(resource("persistentvolumes")).Get(context.Background(), cl.Spec.VolumeName); !client.IsNotFound(err) {
				return fmt.Errorf("volume %s: %v", cl.Spec.VolumeName, err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("%s: %v", dir, err)
			}
			return nil
		})
	})
}

const sleepForever = "while true; do sleep 1; done"

func onlyOn(node string) *api.VolumeNodeAffinity {
	return &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
		MatchExpressions: []api.NodeSelectorRequirement{{Key: api.HostnameLabel, Operator: "In", Values: []string{node}}}}}}}
}

// claim is a claim of 1Gi of class (nil: the default), pre-bound to
// volume unless that is "".
func claim(name string, class *string, volume string) *api.PersistentVolumeClaim {
	return &api.PersistentVolumeClaim{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.PersistentVolumeClaimSpec{
			AccessModes:      []string{api.ReadWriteOnce},
			Resources:        api.VolumeResourceRequirements{Requests: api.ResourceList{"storage": api.MustParse("1Gi")}},
			StorageClassName: class,
			VolumeName:       volume,
		},
	}
}

// claimPod runs script in the toolbox with the claim mounted at /data.
func claimPod(name, claimName string, readOnly bool, script string) *api.Pod {
	pod := newPod(name, toolbox("app", script))
	pod.Namespace = "default"
	pod.Spec.Containers[0].VolumeMounts = []api.VolumeMount{{Name: "data", MountPath: "/data"}}
	pod.Spec.Volumes = []api.Volume{{Name: "data", VolumeSource: api.VolumeSource{
		PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: claimName, ReadOnly: readOnly}}}}
	return pod
}

func running(p *api.Pod) error {
	if p.Status.Phase != api.PodRunning {
		return fmt.Errorf("phase %s (%s)", p.Status.Phase, containerStates(p))
	}
	return nil
}

// create creates obj, namespaced ones in default, and removes it when the
// test ends, in the reverse order: a pod before its claim (which
// pvc-protection keeps while a pod uses it), a claim before its volume.
func (c *cluster) create(resourceName string, obj api.Object) {
	c.t.Helper()
	res := resource(resourceName)
	rc := c.client.Resource(res)
	ns := ""
	if res.Namespaced {
		ns = "default"
		obj.GetObjectMeta().Namespace = ns
		rc = rc.Namespace(ns)
	}
	if _, err := rc.Create(context.Background(), obj); err != nil {
		c.t.Fatalf("create %s %s: %v", resourceName, obj.GetObjectMeta().Name, err)
	}
	name, t := obj.GetObjectMeta().Name, c.t
	t.Cleanup(func() { c.delete(resourceName, ns, name) })
}

// delete deletes an object and waits until it is gone (finalizers done).
func (c *cluster) delete(resourceName, namespace, name string) {
	rc := c.client.Resource(resource(resourceName))
	if namespace != "" {
		rc = rc.Namespace(namespace)
	}
	if err := rc.Delete(context.Background(), name, nil); err != nil && !client.IsNotFound(err) {
		c.t.Errorf("delete %s %s: %v", resourceName, name, err)
		return
	}
	c.eventually(60*time.Second, resourceName+" "+name+" to go", func() error {
		_, err := rc.Get(context.Background(), name)
		if client.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})
}

func (c *cluster) deletePod(name string) {
	c.t.Helper()
	c.delete("pods", "default", name)
}

func (c *cluster) waitClaimBound(name string) *api.PersistentVolumeClaim {
	c.t.Helper()
	var cl *api.PersistentVolumeClaim
	c.eventually(60*time.Second, "claim "+name+" to be bound", func() error {
		obj, err := c.client.Resource(resource("persistentvolumeclaims")).Namespace("default").Get(context.Background(), name)
		if err != nil {
			return err
		}
		cl = obj.(*api.PersistentVolumeClaim)
		if cl.Status.Phase != api.ClaimBound || cl.Spec.VolumeName == "" {
			return fmt.Errorf("phase %q, volume %q", cl.Status.Phase, cl.Spec.VolumeName)
		}
		return nil
	})
	return cl
}

// checkNoMounts fails if the host's mount table names path: the runtime
// bind-mounts volumes inside containers only.
func (c *cluster) checkNoMounts(path string) {
	c.t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		c.t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, path) {
			c.t.Errorf("a mount of %s is left: %s", path, line)
		}
	}
}

// startScheduler runs the scheduler in this process, as
// system:kube-scheduler, until the test ends.
func (c *cluster) startScheduler() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- scheduler.Run(ctx, scheduler.Options{Kubeconfig: c.file(pki.SchedulerKubeconfig),
			QPS: -1, Burst: -1, Logger: c.log.Named("scheduler")})
	}()
	c.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			c.t.Errorf("scheduler: %v", err)
		}
	})
}
