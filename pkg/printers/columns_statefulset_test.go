package printers

import (
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

func TestStatefulSetRow(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	set := &api.StatefulSet{ObjectMeta: api.ObjectMeta{Name: "web", CreationTimestamp: api.Time{Time: now.Add(-5 * time.Minute)}},
		Spec: api.StatefulSetSpec{Replicas: api.Int32(3), Template: api.PodTemplateSpec{Spec: api.PodSpec{
			Containers: []api.Container{{Name: "web", Image: "kubia:v1"}, {Name: "log", Image: "busybox"}}}}},
		Status: api.StatefulSetStatus{Replicas: 3, ReadyReplicas: 2}}
	if got := headers(Columns("StatefulSet")); got != "NAME,READY,AGE,CONTAINERS,IMAGES" {
		t.Errorf("headers %s", got)
	}
	row := rowText(t, set, now)
	if got, want := strings.Join(row, " | "), "web | 2/3 | 5m | web,log | kubia:v1,busybox"; got != want {
		t.Errorf("row:\n  %s\nwant:\n  %s", got, want)
	}
}
