package localpath

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/controller/controllertest"
)

func localPathClass(mode string) *api.StorageClass {
	return &api.StorageClass{ObjectMeta: api.ObjectMeta{Name: "local-path"}, Provisioner: api.LocalPathProvisioner,
		ReclaimPolicy: api.String(api.ReclaimDelete), VolumeBindingMode: api.String(mode)}
}

// waitingClaim is a claim the PV controller has handed to this
// provisioner, with the node the scheduler chose ("" for none yet).
func waitingClaim(node string) *api.PersistentVolumeClaim {
	c := &api.PersistentVolumeClaim{
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "data-db-0", UID: "1234", ResourceVersion: "7",
			Annotations: map[string]string{api.StorageProvisionerAnnotation: api.LocalPathProvisioner}},
		Spec: api.PersistentVolumeClaimSpec{AccessModes: []string{api.ReadWriteOnce}, StorageClassName: api.String("local-path"),
			VolumeMode: api.String(api.PersistentVolumeFilesystem),
			Resources:  api.VolumeResourceRequirements{Requests: api.ResourceList{api.ResourceStorage: api.MustParse("2Gi")}}},
		Status: api.PersistentVolumeClaimStatus{Phase: api.ClaimPending},
	}
	if node != "" {
		c.Annotations[api.SelectedNodeAnnotation] = node
	}
	return c
}

func node(name, dir string) *api.Node {
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{api.HostnameLabel: name}}}
	if dir != "" {
		n.Annotations = map[string]string{api.LocalPathDirAnnotation: dir}
	}
	return n
}

// wantVolume is the volume of waitingClaim("node-1") on a node keeping
// its volumes in /var/lib/kubelab/local-path.
const wantVolume = `{
  "apiVersion": "v1",
  "kind": "PersistentVolume",
  "metadata": {
    "name": "pvc-1234",
    "annotations": {"pv.kubernetes.io/provisioned-by": "kubelab.io/local-path"},
    "finalizers": ["kubelab.io/local-path"]
  },
  "spec": {
    "capacity": {"storage": "2Gi"},
    "hostPath": {"path": "/var/lib/kubelab/local-path/pvc-1234_default_data-db-0", "type": "DirectoryOrCreate"},
    "accessModes": ["ReadWriteOnce"],
    "claimRef": {"kind": "PersistentVolumeClaim", "namespace": "default", "name": "data-db-0", "uid": "1234", "apiVersion": "v1", "resourceVersion": "7"},
    "persistentVolumeReclaimPolicy": "Delete",
    "storageClassName": "local-path",
    "volumeMode": "Filesystem",
    "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-1"]}]}]}}
  }
}`

func TestSync(t *testing.T) {
	const dir = "/var/lib/kubelab/local-path"
	alreadyExists := &api.Status{Code: http.StatusConflict, Reason: "AlreadyExists", Message: `persistentvolumes "pvc-1234" already exists`}
	tests := []struct {
		name       string
		claim      *api.PersistentVolumeClaim
		objs       []api.Object
		fail       error
		wantWrites []string
		wantEvents []string
		wantErr    bool
	}{
		{
			name:       "a claim with its node gets a volume there",
			claim:      waitingClaim("node-1"),
			objs:       []api.Object{localPathClass(api.VolumeBindingWaitForFirstConsumer), node("node-1", dir)},
			wantWrites: []string{"create persistentvolumes pvc-1234"},
			wantEvents: []string{"Normal ProvisioningSucceeded Successfully provisioned volume pvc-1234"},
		},
		{
			name:  "no node chosen yet: wait",
			claim: waitingClaim(""),
			objs:  []api.Object{localPathClass(api.VolumeBindingWaitForFirstConsumer), node("node-1", dir)},
		},
		{
			name:    "a node that has not said where volumes go: event, and retry",
			claim:   waitingClaim("node-1"),
			objs:    []api.Object{localPathClass(api.VolumeBindingWaitForFirstConsumer), node("node-1", "")},
			wantErr: true,
			wantEvents: []string{`Warning ProvisioningFailed node "node-1" has no annotation kubelab.io/local-path-dir (an absolute path): ` +
				`its kubelet has not said where local-path volumes go`},
		},
		{
			name:       "a node not in the cache: event, and retry",
			claim:      waitingClaim("node-9"),
			objs:       []api.Object{localPathClass(api.VolumeBindingWaitForFirstConsumer)},
			wantErr:    true,
			wantEvents: []string{`Warning ProvisioningFailed node "node-9" not found`},
		},
		{
			name:  "an Immediate class is refused",
			claim: waitingClaim(""),
			objs:  []api.Object{localPathClass(api.VolumeBindingImmediate), node("node-1", dir)},
			wantEvents: []string{`Warning ProvisioningFailed storageclass "local-path": kubelab.io/local-path volumes are directories of one node, ` +
				`so the class needs volumeBindingMode WaitForFirstConsumer (the scheduler chooses the node first)`},
		},
		{
			name: "ReadWriteMany is refused",
			claim: func() *api.PersistentVolumeClaim {
				c := waitingClaim("node-1")
				c.Spec.AccessModes = []string{api.ReadWriteMany}
				return c
			}(),
			objs: []api.Object{localPathClass(api.VolumeBindingWaitForFirstConsumer), node("node-1", dir)},
			wantEvents: []string{`Warning ProvisioningFailed kubelab.io/local-path volumes are directories of one node: ` +
				`access mode ReadWriteMany is not supported, only ReadWriteOnce and ReadWriteOncePod`},
		},
		{
			name: "a claim the PV controller has not handed over",
			claim: func() *api.PersistentVolumeClaim {
				c := waitingClaim("node-1")
				delete(c.Annotations, api.StorageProvisionerAnnotation)
				return c
			}(),
			objs: []api.Object{localPathClass(api.VolumeBindingWaitForFirstConsumer), node("node-1", dir)},
		},
		{
			name:  "a claim of another provisioner's class",
			claim: waitingClaim("node-1"),
			objs: []api.Object{&api.StorageClass{ObjectMeta: api.ObjectMeta{Name: "local-path"}, Provisioner: "example.com/nfs",
				VolumeBindingMode: api.String(api.VolumeBindingWaitForFirstConsumer)}, node("node-1", dir)},
		},
		{
			name: "a bound claim",
			claim: func() *api.PersistentVolumeClaim {
				c := waitingClaim("node-1")
				c.Spec.VolumeName = "pv1"
				return c
			}(),
			objs: []api.Object{localPathClass(api.VolumeBindingWaitForFirstConsumer), node("node-1", dir)},
		},
		{
			name:  "a volume made already",
			claim: waitingClaim("node-1"),
			objs: []api.Object{localPathClass(api.VolumeBindingWaitForFirstConsumer), node("node-1", dir),
				&api.PersistentVolume{ObjectMeta: api.ObjectMeta{Name: "pvc-1234"}}},
		},
		{
			name:       "a create that finds the volume there (the cache was behind) is success",
			claim:      waitingClaim("node-1"),
			objs:       []api.Object{localPathClass(api.VolumeBindingWaitForFirstConsumer), node("node-1", dir)},
			fail:       alreadyExists,
			wantWrites: []string{"create persistentvolumes pvc-1234"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, volumes, classes, nodes := controllertest.NewLister(tt.claim), controllertest.NewLister(), controllertest.NewLister(), controllertest.NewLister()
			for _, o := range tt.objs {
				switch o.(type) {
				case *api.StorageClass:
					classes.Add(o)
				case *api.Node:
					nodes.Add(o)
				case *api.PersistentVolume:
					volumes.Add(o)
				}
			}
			w, rec := &controllertest.Writer{}, &controllertest.Recorder{}
			if tt.fail != nil {
				w.Fail = map[string]error{"create persistentvolumes": tt.fail}
			}
			err := New(claims, volumes, classes, nodes, w, rec, nil).Sync(context.Background(), "default/data-db-0")
			if (err != nil) != tt.wantErr {
				t.Fatalf("Sync: err %v, want error %v", err, tt.wantErr)
			}
			if got := w.Strings(); !slices.Equal(got, tt.wantWrites) {
				t.Errorf("writes %v, want %v", got, tt.wantWrites)
			}
			if !slices.Equal(rec.Events, tt.wantEvents) {
				t.Errorf("events:\n  %s\nwant:\n  %s", strings.Join(rec.Events, "\n  "), strings.Join(tt.wantEvents, "\n  "))
			}
		})
	}
}

// TestVolume checks every field of a provisioned volume, and that the
// apiserver would accept it.
func TestVolume(t *testing.T) {
	claims := controllertest.NewLister(waitingClaim("node-1"))
	classes := controllertest.NewLister(localPathClass(api.VolumeBindingWaitForFirstConsumer))
	nodes := controllertest.NewLister(node("node-1", "/var/lib/kubelab/local-path"))
	w := &controllertest.Writer{}
	if err := New(claims, controllertest.NewLister(), classes, nodes, w, &controllertest.Recorder{}, nil).Sync(context.Background(), "default/data-db-0"); err != nil {
		t.Fatal(err)
	}
	if len(w.Actions) != 1 {
		t.Fatalf("writes %v, want one create", w.Strings())
	}
	pv := w.Actions[0].Object.(*api.PersistentVolume)
	pv.UID = "" // the fake writer's
	got, _ := json.Marshal(pv)
	var want api.PersistentVolume
	if err := json.Unmarshal([]byte(wantVolume), &want); err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(&want)
	if string(got) != string(wantJSON) {
		t.Errorf("volume:\n%s\nwant:\n%s", got, wantJSON)
	}
	api.SetDefaults(pv)
	if errs := api.Validate(pv); len(errs) > 0 {
		t.Errorf("the apiserver would refuse it: %v", errs)
	}
}

func TestNodeHandler(t *testing.T) {
	claims := controllertest.NewLister(waitingClaim("node-1"))
	c := New(claims, controllertest.NewLister(), controllertest.NewLister(), controllertest.NewLister(), &controllertest.Writer{}, &controllertest.Recorder{}, nil)
	c.NodeHandler().OnUpdate(node("node-1", ""), node("node-1", ""))
	c.NodeHandler().OnUpdate(node("node-2", ""), node("node-2", "/var/lib/kubelab/local-path"))
	if n := c.queue.Len(); n != 0 {
		t.Fatalf("queued %d claims for nodes no claim waits on or whose directory did not change", n)
	}
	c.NodeHandler().OnUpdate(node("node-1", ""), node("node-1", "/var/lib/kubelab/local-path"))
	if k, _ := c.queue.Get(); k != "default/data-db-0" {
		t.Fatalf("queued %q, want the claim waiting on node-1", k)
	}
}
