package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// TestPersistentVolumeBinding runs the PV controller in the controller
// manager against a real apiserver: static volumes bind to the claims
// they fit, the smallest first; when the claims go, a Retain volume is
// Released and kept, and a Delete volume is deleted.
func TestPersistentVolumeBinding(t *testing.T) {
	cl := startCluster(t, "node-1")
	ctx := context.Background()
	cl.create(staticVolume("retained", "1Gi", api.ReclaimRetain))
	cl.create(staticVolume("deleted", "5Gi", api.ReclaimDelete))
	cl.create(staticClaim("data", "500Mi"))
	cl.eventually("claim data Bound to volume retained", func() bool { return cl.claimBoundTo("data", "retained") })
	cl.create(staticClaim("logs", "2Gi"))
	cl.eventually("claim logs Bound to volume deleted", func() bool { return cl.claimBoundTo("logs", "deleted") })

	pv := cl.volume("retained")
	if ref := pv.Spec.ClaimRef; pv.Status.Phase != api.VolumeBound || ref == nil || ref.Namespace != "default" || ref.Name != "data" || ref.UID == "" {
		t.Fatalf("volume retained: phase %q claimRef %+v, want Bound to default/data with its uid", pv.Status.Phase, ref)
	}
	claim := cl.claim("data")
	if got := claim.Status.Capacity[api.ResourceStorage]; got.String() != "1Gi" || claim.Annotations[api.BindCompletedAnnotation] != "yes" {
		t.Fatalf("claim data: capacity %s annotations %v, want the volume's 1Gi and bind-completed", got.String(), claim.Annotations)
	}

	claims := cl.res("persistentvolumeclaims").Namespace("default")
	for _, name := range []string{"data", "logs"} {
		if err := claims.Delete(ctx, name, nil); err != nil {
			t.Fatal(err)
		}
	}
	cl.eventually("volume retained Released", func() bool {
		pv, ok := cl.tryVolume("retained")
		return ok && pv.Status.Phase == api.VolumeReleased
	})
	if pv := cl.volume("retained"); pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.Name != "data" {
		t.Fatalf("a Released Retain volume keeps its claimRef until an administrator clears it: %+v", pv.Spec.ClaimRef)
	}
	cl.eventually("volume deleted gone", func() bool { _, ok := cl.tryVolume("deleted"); return !ok })
	for _, name := range []string{"data", "logs"} {
		if _, err := claims.Get(ctx, name); !client.IsNotFound(err) {
			t.Fatalf("claim %s after its delete: %v, want NotFound", name, err)
		}
	}
}

// TestLocalPathProvisioning runs the default class of make up
// (addons/local-path.yaml) end to end on a simulated node: a claim that
// names no class gets local-path and waits for its pod; the scheduler
// chooses the node, the provisioner makes a volume in the node's
// local-path directory, the PV controller binds it, and the pod runs.
// When pod and claim go, the volume goes too (policy Delete), once the
// node's kubelet has removed the directory.
func TestLocalPathProvisioning(t *testing.T) {
	cl := startCluster(t, "node-1")
	ctx := context.Background()
	mustKctl(t, cl.addr, "apply", "-f", "addons/local-path.yaml")
	if out := mustKctl(t, cl.addr, "get", "sc"); !strings.Contains(out, "local-path (default)   kubelab.io/local-path   Delete") {
		t.Fatalf("kctl get sc:\n%s", out)
	}
	claim := staticClaim("data", "1Gi")
	claim.Spec.StorageClassName = nil
	claim = cl.create(claim).(*api.PersistentVolumeClaim)
	if c := claim.Spec.StorageClassName; c == nil || *c != api.LocalPathStorageClass {
		t.Fatalf("a claim naming no class got %v, want the default class local-path", c)
	}
	cl.eventually("the claim waiting for its first consumer", func() bool {
		return cl.hasEvent(claim.UID, "WaitForFirstConsumer")
	})
	if c := cl.claim("data"); c.Status.Phase != api.ClaimPending {
		t.Fatalf("claim %s before any pod uses it, want Pending", c.Status.Phase)
	}

	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "db", Namespace: "default"}, Spec: api.PodSpec{
		Containers: []api.Container{{Name: "db", Image: "kubelab/kubia:latest",
			VolumeMounts: []api.VolumeMount{{Name: "data", MountPath: "/data"}}}},
		Volumes: []api.Volume{{Name: "data", VolumeSource: api.VolumeSource{
			PersistentVolumeClaim: &api.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}},
	}}
	cl.create(pod)
	name := "pvc-" + claim.UID
	cl.eventually("the claim Bound to its provisioned volume", func() bool { return cl.claimBoundTo("data", name) })
	pv := cl.volume(name)
	node, err := cl.res("nodes").Get(ctx, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	dir := node.GetObjectMeta().Annotations[api.LocalPathDirAnnotation]
	if want := dir + "/" + name + "_default_data"; dir == "" || pv.Spec.HostPath == nil || pv.Spec.HostPath.Path != want {
		t.Fatalf("volume hostPath %+v, want %s", pv.Spec.HostPath, want)
	}
	if pv.Spec.PersistentVolumeReclaimPolicy != api.ReclaimDelete || pv.Annotations[api.ProvisionedByAnnotation] != api.LocalPathProvisioner {
		t.Fatalf("volume: policy %q annotations %v", pv.Spec.PersistentVolumeReclaimPolicy, pv.Annotations)
	}
	cl.eventually("the pod Running on node-1", func() bool {
		p := cl.pods("")
		return len(p) == 1 && p[0].Status.Phase == api.PodRunning && p[0].Spec.NodeName == "node-1"
	})
	if out := mustKctl(t, cl.addr, "get", "pvc", "data"); !strings.Contains(out, "data   Bound    "+name+"   1Gi        RWO            local-path") {
		t.Fatalf("kctl get pvc data:\n%s", out)
	}

	// Deleting the claim first only marks it: its pod still runs.
	claims := cl.res("persistentvolumeclaims").Namespace("default")
	if err := claims.Delete(ctx, "data", nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if c := cl.claim("data"); c.DeletionTimestamp == nil || cl.volume(name).Status.Phase != api.VolumeBound {
		t.Fatalf("a claim in use went, or its volume left Bound")
	}
	if err := cl.res("pods").Namespace("default").Delete(ctx, "db", nil); err != nil {
		t.Fatal(err)
	}
	cl.eventually("claim and volume gone", func() bool {
		_, err := claims.Get(ctx, "data")
		_, ok := cl.tryVolume(name)
		return client.IsNotFound(err) && !ok
	})
}

// hasEvent reports whether an event with reason is about the object uid.
func (cl *cluster) hasEvent(uid, reason string) bool {
	events, _, err := cl.res("events").List(context.Background(), client.ListOptions{})
	if err != nil {
		return false
	}
	for _, o := range events {
		if e := o.(*api.Event); e.InvolvedObject.UID == uid && e.Reason == reason {
			return true
		}
	}
	return false
}

// staticVolume is a hostPath volume an administrator made, of no class.
func staticVolume(name, size, policy string) *api.PersistentVolume {
	return &api.PersistentVolume{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.PersistentVolumeSpec{
		Capacity:                      api.ResourceList{api.ResourceStorage: api.MustParse(size)},
		AccessModes:                   []string{api.ReadWriteOnce},
		PersistentVolumeSource:        api.PersistentVolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/srv/volumes/" + name}},
		PersistentVolumeReclaimPolicy: policy,
	}}
}

// staticClaim asks for a volume of no class ("", not the default class).
func staticClaim(name, size string) *api.PersistentVolumeClaim {
	return &api.PersistentVolumeClaim{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}, Spec: api.PersistentVolumeClaimSpec{
		AccessModes:      []string{api.ReadWriteOnce},
		Resources:        api.VolumeResourceRequirements{Requests: api.ResourceList{api.ResourceStorage: api.MustParse(size)}},
		StorageClassName: api.String(""),
	}}
}

func (cl *cluster) claim(name string) *api.PersistentVolumeClaim {
	cl.t.Helper()
	obj, err := cl.res("persistentvolumeclaims").Namespace("default").Get(context.Background(), name)
	if err != nil {
		cl.t.Fatal(err)
	}
	return obj.(*api.PersistentVolumeClaim)
}

func (cl *cluster) claimBoundTo(name, volume string) bool {
	c := cl.claim(name)
	return c.Status.Phase == api.ClaimBound && c.Spec.VolumeName == volume
}

func (cl *cluster) tryVolume(name string) (*api.PersistentVolume, bool) {
	obj, err := cl.res("persistentvolumes").Get(context.Background(), name)
	if err != nil {
		return nil, false
	}
	return obj.(*api.PersistentVolume), true
}

func (cl *cluster) volume(name string) *api.PersistentVolume {
	cl.t.Helper()
	pv, ok := cl.tryVolume(name)
	if !ok {
		cl.t.Fatalf("no volume %s", name)
	}
	return pv
}
