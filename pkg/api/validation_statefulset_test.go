package api

import (
	"testing"
)

// validStatefulSet is a StatefulSet as the apiserver stores it: defaulted,
// with a claim template its container mounts.
func validStatefulSet() *StatefulSet {
	tmpl := validTemplate()
	tmpl.Spec.Containers[0].VolumeMounts = []VolumeMount{{Name: "data", MountPath: "/var/data"}}
	sts := &StatefulSet{
		ObjectMeta: ObjectMeta{Name: "web", Namespace: "default"},
		Spec: StatefulSetSpec{
			Selector:    &LabelSelector{MatchLabels: map[string]string{"app": "kubia"}},
			ServiceName: "web",
			Template:    tmpl,
			VolumeClaimTemplates: []PersistentVolumeClaim{{ObjectMeta: ObjectMeta{Name: "data"},
				Spec: PersistentVolumeClaimSpec{AccessModes: []string{ReadWriteOnce}}}},
		},
	}
	SetDefaults(sts)
	return sts
}

func TestValidateStatefulSet(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*StatefulSet)
		want   []string
	}{
		{"valid", func(*StatefulSet) {}, nil},
		{"no service name: optional", func(s *StatefulSet) { s.Spec.ServiceName = "" }, nil},
		{"no selector", func(s *StatefulSet) { s.Spec.Selector = nil }, []string{
			"spec.selector: Required value"}},
		{"selector does not match", func(s *StatefulSet) {
			s.Spec.Selector.MatchLabels = map[string]string{"app": "other"}
		}, []string{"spec.template.metadata.labels: Invalid value: " + formatBadValue(map[string]string{"app": "kubia"}) +
			": `selector` does not match template `labels`"}},
		{"restart policy", func(s *StatefulSet) { s.Spec.Template.Spec.RestartPolicy = RestartNever }, []string{
			`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`}},
		{"mount of no volume nor claim", func(s *StatefulSet) { s.Spec.VolumeClaimTemplates[0].Name = "logs" }, []string{
			`spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"`}},
		{"claim template without a name", func(s *StatefulSet) {
			s.Spec.VolumeClaimTemplates = append(s.Spec.VolumeClaimTemplates, PersistentVolumeClaim{})
		}, []string{"spec.volumeClaimTemplates[1].metadata.name: Required value: name or generateName is required"}},
		{"claim templates of one name", func(s *StatefulSet) {
			s.Spec.VolumeClaimTemplates = append(s.Spec.VolumeClaimTemplates, s.Spec.VolumeClaimTemplates[0])
		}, []string{`spec.volumeClaimTemplates[1].metadata.name: Duplicate value: "data"`}},
		{"pod management policy", func(s *StatefulSet) { s.Spec.PodManagementPolicy = "Random" }, []string{
			`spec.podManagementPolicy: Unsupported value: "Random": supported values: "OrderedReady", "Parallel"`}},
		{"update strategy type", func(s *StatefulSet) { s.Spec.UpdateStrategy.Type = "Recreate" }, []string{
			`spec.updateStrategy: Invalid value: "Recreate": must be 'RollingUpdate' or 'OnDelete'`}},
		{"negative partition", func(s *StatefulSet) { s.Spec.UpdateStrategy.RollingUpdate.Partition = Int32(-1) }, []string{
			"spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"}},
		{"rollingUpdate with OnDelete", func(s *StatefulSet) { s.Spec.UpdateStrategy.Type = OnDeleteStatefulSetStrategyType }, []string{
			`spec.updateStrategy.rollingUpdate: Invalid value: {"partition":0}: only allowed for updateStrategy 'RollingUpdate'`}},
		{"retention policy", func(s *StatefulSet) { s.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Keep" }, []string{
			`spec.persistentVolumeClaimRetentionPolicy.whenScaled: Unsupported value: "Keep": supported values: "Retain", "Delete"`}},
		{"negative replicas and ordinals", func(s *StatefulSet) {
			s.Spec.Replicas = Int32(-1)
			s.Spec.Ordinals = &StatefulSetOrdinals{Start: -2}
		}, []string{
			"spec.replicas: Invalid value: -1: must be greater than or equal to 0",
			"spec.ordinals.start: Invalid value: -2: must be greater than or equal to 0"}},
		{"service name not a DNS label", func(s *StatefulSet) { s.Spec.ServiceName = "Web" }, []string{
			`spec.serviceName: Invalid value: "Web": ` + IsDNS1123Label("Web")[0]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validStatefulSet()
			tt.mutate(s)
			checkErrors(t, Validate(s), tt.want)
		})
	}
}

func TestValidateStatefulSetUpdate(t *testing.T) {
	forbiddenSpec := "spec: Forbidden: " + statefulSetSpecUpdateDetail
	tests := []struct {
		name   string
		mutate func(*StatefulSet)
		want   []string
	}{
		{"replicas", func(s *StatefulSet) { s.Spec.Replicas = Int32(5) }, nil},
		{"template", func(s *StatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "kubia:v2" }, nil},
		{"partition", func(s *StatefulSet) { s.Spec.UpdateStrategy.RollingUpdate.Partition = Int32(2) }, nil},
		{"retention policy", func(s *StatefulSet) { s.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Delete" }, nil},
		{"ordinals and minReadySeconds", func(s *StatefulSet) {
			s.Spec.Ordinals = &StatefulSetOrdinals{Start: 1}
			s.Spec.MinReadySeconds = 5
		}, nil},
		{"service name", func(s *StatefulSet) { s.Spec.ServiceName = "db" }, []string{forbiddenSpec}},
		{"pod management policy", func(s *StatefulSet) { s.Spec.PodManagementPolicy = ParallelPodManagement }, []string{forbiddenSpec}},
		{"claim templates", func(s *StatefulSet) {
			s.Spec.VolumeClaimTemplates[0].Spec.AccessModes = []string{ReadWriteMany}
		}, []string{forbiddenSpec}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := validStatefulSet()
			s := DeepCopy(old)
			tt.mutate(s)
			checkErrors(t, ValidateUpdate(s, old), tt.want)
		})
	}
}

func TestSetStatefulSetDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   string // manifest before defaults
		want string // the same object with every default spelled out
	}{
		{"statefulset", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  serviceName: web
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "kubia:v1"}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  serviceName: web
  podManagementPolicy: OrderedReady
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0}}
  revisionHistoryLimit: 10
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Retain}
  template:
    metadata: {labels: {app: web}}
    spec:
      restartPolicy: Always` + podDefaults + `
      containers: [{name: web, image: "kubia:v1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, volumeMode: Filesystem}
    status: {phase: Pending}
`},
		{"statefulset keeps what it was given", `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  podManagementPolicy: Parallel
  updateStrategy: {type: OnDelete}
  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "kubia:v1"}]}
`, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  podManagementPolicy: Parallel
  updateStrategy: {type: OnDelete}
  revisionHistoryLimit: 10
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Delete}
  template:
    metadata: {labels: {app: web}}
    spec:
      restartPolicy: Always` + podDefaults + `
      containers: [{name: web, image: "kubia:v1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := decodeForTest(t, tt.in)
			SetDefaults(obj)
			sameAs(t, obj, decodeForTest(t, tt.want))
			again := DeepCopy(obj)
			SetDefaults(again)
			sameAs(t, again, obj)
		})
	}
}
