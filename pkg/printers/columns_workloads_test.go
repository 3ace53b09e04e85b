package printers

import (
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

func TestWorkloadRows(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) api.Time { return api.Time{Time: now.Add(-d)} }
	agoPtr := func(d time.Duration) *api.Time { t := ago(d); return &t }
	meta := api.ObjectMeta{Name: "web", CreationTimestamp: ago(5 * time.Minute)}
	tmpl := api.PodTemplateSpec{Spec: api.PodSpec{Containers: []api.Container{{Name: "web", Image: "kubia:v1"}, {Name: "log", Image: "busybox"}}}}
	sel := &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	tests := []struct {
		name string
		obj  api.Object
		want string
	}{
		{"deployment", &api.Deployment{ObjectMeta: meta,
			Spec:   api.DeploymentSpec{Replicas: api.Int32(3), Selector: sel, Template: tmpl},
			Status: api.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2}},
			"web | 2/3 | 3 | 2 | 5m | web,log | kubia:v1,busybox | app=web"},
		{"job running", &api.Job{ObjectMeta: meta,
			Spec:   api.JobSpec{Completions: api.Int32(5), Parallelism: api.Int32(2), Selector: sel, Template: tmpl},
			Status: api.JobStatus{Succeeded: 1, StartTime: agoPtr(90 * time.Second)}},
			"web | Running | 1/5 | 90s | 5m | web,log | kubia:v1,busybox | app=web"},
		{"job complete", &api.Job{ObjectMeta: meta,
			Spec: api.JobSpec{Completions: api.Int32(1), Template: tmpl},
			Status: api.JobStatus{Succeeded: 1, StartTime: agoPtr(4 * time.Minute), CompletionTime: agoPtr(time.Minute),
				Conditions: []api.JobCondition{{Type: api.JobComplete, Status: api.ConditionTrue}}}},
			"web | Complete | 1/1 | 3m | 5m | web,log | kubia:v1,busybox | <none>"},
		{"job failed", &api.Job{ObjectMeta: meta, Spec: api.JobSpec{Completions: api.Int32(2), Template: tmpl},
			Status: api.JobStatus{Failed: 7, Conditions: []api.JobCondition{{Type: api.JobFailed, Status: api.ConditionTrue, Reason: api.ReasonBackoffLimitExceeded}}}},
			"web | Failed | 0/2 |  | 5m | web,log | kubia:v1,busybox | <none>"},
		{"job suspended", &api.Job{ObjectMeta: meta, Spec: api.JobSpec{Completions: api.Int32(2), Template: tmpl},
			Status: api.JobStatus{Conditions: []api.JobCondition{{Type: api.JobSuspended, Status: api.ConditionTrue}}}},
			"web | Suspended | 0/2 |  | 5m | web,log | kubia:v1,busybox | <none>"},
		{"work queue job", &api.Job{ObjectMeta: meta, Spec: api.JobSpec{Parallelism: api.Int32(4), Template: tmpl}},
			"web | Running | 0/1 of 4 |  | 5m | web,log | kubia:v1,busybox | <none>"},
		{"cron job", &api.CronJob{ObjectMeta: meta,
			Spec: api.CronJobSpec{Schedule: "*/5 * * * *", Suspend: api.Bool(false),
				JobTemplate: api.JobTemplateSpec{Spec: api.JobSpec{Template: tmpl}}},
			Status: api.CronJobStatus{Active: []api.ObjectReference{{Name: "web-1"}}, LastScheduleTime: agoPtr(70 * time.Second)}},
			"web | */5 * * * * | <none> | False | 1 | 70s | 5m | web,log | kubia:v1,busybox | <none>"},
		{"cron job in a time zone, never run", &api.CronJob{ObjectMeta: meta,
			Spec: api.CronJobSpec{Schedule: "@daily", TimeZone: func() *string { s := "Europe/Paris"; return &s }(), Suspend: api.Bool(true)}},
			"web | @daily | Europe/Paris | True | 0 | <none> | 5m |  |  | <none>"},
		{"controller revision", &api.ControllerRevision{
			ObjectMeta: api.ObjectMeta{Name: "agent-5d4f8", CreationTimestamp: ago(time.Hour),
				OwnerReferences: []api.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", Controller: api.Bool(true)}}},
			Revision: 2},
			"agent-5d4f8 | daemonset.apps/agent | 2 | 60m"},
		{"orphan revision", &api.ControllerRevision{ObjectMeta: meta, Revision: 1}, "web | <none> | 1 | 5m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := rowText(t, tt.obj, now)
			if got := strings.Join(row, " | "); got != tt.want {
				t.Errorf("row:\n  %s\nwant:\n  %s", got, tt.want)
			}
		})
	}
}
