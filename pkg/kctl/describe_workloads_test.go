package kctl

import (
	"testing"
	"time"
)

// localStamp is how describe writes a time of these objects: in the
// machine's zone, which the test does not fix.
func localStamp(rfc3339 string) string {
	t, _ := time.Parse(time.RFC3339, rfc3339)
	return t.Local().Format(time.RFC1123Z)
}

// The objects of a Deployment two revisions in: the new ReplicaSet is the
// one whose template is the Deployment's but for pod-template-hash.
const (
	webDeployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","uid":"d1",
		"creationTimestamp":"2026-12-01T10:00:00Z","labels":{"app":"web"},"annotations":{"deployment.kubernetes.io/revision":"2"}},
		"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"minReadySeconds":5,
			"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":1}},
			"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.25",
				"ports":[{"containerPort":80,"protocol":"TCP"}]}]}}},
		"status":{"replicas":4,"updatedReplicas":2,"availableReplicas":3,"unavailableReplicas":1,
			"conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"},
				{"type":"Progressing","status":"True","reason":"ReplicaSetUpdated"}]}}`
	webRS1 = `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-111","namespace":"default","uid":"r1",
		"labels":{"app":"web","pod-template-hash":"111"},"annotations":{"deployment.kubernetes.io/revision":"1"},
		"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"d1","controller":true}]},
		"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web","pod-template-hash":"111"}},
			"template":{"metadata":{"labels":{"app":"web","pod-template-hash":"111"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.24"}]}}},
		"status":{"replicas":2}}`
	webRS2 = `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-222","namespace":"default","uid":"r2",
		"labels":{"app":"web","pod-template-hash":"222"},"annotations":{"deployment.kubernetes.io/revision":"2"},
		"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"d1","controller":true}]},
		"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web","pod-template-hash":"222"}},
			"template":{"metadata":{"labels":{"app":"web","pod-template-hash":"222"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.25",
				"ports":[{"containerPort":80,"protocol":"TCP"}]}]}}},
		"status":{"replicas":2}}`
	// A ReplicaSet with the labels of web's pods but another owner.
	strayRS = `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"stray","namespace":"default","uid":"r3",
		"labels":{"app":"web"},"annotations":{"deployment.kubernetes.io/revision":"1"}},
		"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"}]}}},"status":{"replicas":1}}`
	scaleEvent = `{"apiVersion":"v1","kind":"Event","metadata":{"name":"web.1","namespace":"default"},
		"involvedObject":{"kind":"Deployment","name":"web","namespace":"default","uid":"d1"},
		"reason":"ScalingReplicaSet","message":"Scaled up replica set web-222 from 0 to 2","type":"Normal","count":1,
		"source":{"component":"deployment-controller"}}`

	batchJob = `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi-28","namespace":"default","uid":"j1",
		"labels":{"batch.kubernetes.io/job-name":"pi-28"},
		"ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"pi","uid":"c1","controller":true}]},
		"spec":{"parallelism":2,"completions":4,"completionMode":"NonIndexed","suspend":false,"backoffLimit":6,"activeDeadlineSeconds":600,
			"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"j1"}},
			"template":{"metadata":{"labels":{"batch.kubernetes.io/job-name":"pi-28"}},
				"spec":{"containers":[{"name":"pi","image":"perl:5.34","command":["perl","-e","print 3"]}],"restartPolicy":"Never"}}},
		"status":{"startTime":"2026-12-01T10:00:00Z","completionTime":"2026-12-01T10:01:05Z","succeeded":4,"failed":1,"ready":0}}`
	indexedJob = `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"idx","namespace":"default","uid":"j2"},
		"spec":{"completions":3,"completionMode":"Indexed","selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"j2"}},
			"template":{"spec":{"containers":[{"name":"w","image":"busybox"}],"restartPolicy":"Never"}}},
		"status":{"startTime":"2026-12-01T10:00:00Z","active":1,"succeeded":2,"completedIndexes":"0,2"}}`

	piCronJob = `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"pi","namespace":"default","uid":"c1"},
		"spec":{"schedule":"*/5 * * * *","concurrencyPolicy":"Forbid","suspend":false,"successfulJobsHistoryLimit":3,"failedJobsHistoryLimit":1,
			"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"pi","image":"perl:5.34"}],"restartPolicy":"OnFailure"}}}}},
		"status":{"lastScheduleTime":"2026-12-01T10:00:00Z","active":[{"kind":"Job","name":"pi-28","namespace":"default"},
			{"kind":"Job","name":"pi-29","namespace":"default"}]}}`
	bareCronJob = `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"bare","namespace":"default","uid":"c2"},
		"spec":{"schedule":"@hourly","timeZone":"Etc/UTC","startingDeadlineSeconds":30,
			"jobTemplate":{"spec":{"parallelism":2,"activeDeadlineSeconds":60,"template":{"spec":{"containers":[{"name":"b","image":"busybox"}],
				"nodeSelector":{"disk":"ssd"},"tolerations":[{"key":"dedicated","operator":"Equal","value":"batch","effect":"NoSchedule"}]}}}}}}`
)

func TestDescribeWorkloads(t *testing.T) {
	fake, server := newFakeAPI(t)
	for path, obj := range map[string]string{
		"/apis/apps/v1/namespaces/default/deployments/web":     webDeployment,
		"/apis/apps/v1/namespaces/default/replicasets/web-111": webRS1,
		"/apis/apps/v1/namespaces/default/replicasets/web-222": webRS2,
		"/apis/apps/v1/namespaces/default/replicasets/stray":   strayRS,
		"/apis/apps/v1/namespaces/default/deployments/fresh": `{"apiVersion":"apps/v1","kind":"Deployment",
			"metadata":{"name":"fresh","namespace":"default","uid":"d2"},"spec":{"selector":{"matchLabels":{"app":"fresh"}},
			"strategy":{"type":"Recreate"},"template":{"metadata":{"labels":{"app":"fresh"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}`,
		"/api/v1/namespaces/default/events/web.1":         scaleEvent,
		"/apis/batch/v1/namespaces/default/jobs/pi-28":    batchJob,
		"/apis/batch/v1/namespaces/default/jobs/idx":      indexedJob,
		"/apis/batch/v1/namespaces/default/cronjobs/pi":   piCronJob,
		"/apis/batch/v1/namespaces/default/cronjobs/bare": bareCronJob,
	} {
		fake.objects[path] = obj
	}
	start, end := localStamp("2026-12-01T10:00:00Z"), localStamp("2026-12-01T10:01:05Z")
	tests := []struct {
		name string
		args []string
		out  string
	}{
		{"deployment", []string{"describe", "deployment", "web"}, "" +
			"Name:                   web\n" +
			"Namespace:              default\n" +
			"CreationTimestamp:      " + start + "\n" +
			"Labels:                 app=web\n" +
			"Annotations:            deployment.kubernetes.io/revision: 2\n" +
			"Selector:               app=web\n" +
			"Replicas:               3 desired | 2 updated | 4 total | 3 available | 1 unavailable\n" +
			"StrategyType:           RollingUpdate\n" +
			"MinReadySeconds:        5\n" +
			"RollingUpdateStrategy:  25% max unavailable, 1 max surge\n" +
			"Pod Template:\n" +
			"  Labels:  app=web\n" +
			"  Containers:\n" +
			"    nginx:\n" +
			"      Image:        nginx:1.25\n" +
			"      Port:         80/TCP\n" +
			"      Host Port:    0/TCP\n" +
			"      Environment:  <none>\n" +
			"      Mounts:       <none>\n" +
			"  Volumes:          <none>\n" +
			"  Node-Selectors:   <none>\n" +
			"  Tolerations:      <none>\n" +
			"Conditions:\n" +
			"  Type           Status  Reason\n" +
			"  ----           ------  ------\n" +
			"  Available      True    MinimumReplicasAvailable\n" +
			"  Progressing    True    ReplicaSetUpdated\n" +
			"OldReplicaSets:  web-111 (2/2 replicas created)\n" +
			"NewReplicaSet:   web-222 (2/2 replicas created)\n" +
			"Events:\n" +
			"  Type    Reason             Age        From                   Message\n" +
			"  ----    ------             ---        ----                   -------\n" +
			"  Normal  ScalingReplicaSet  <unknown>  deployment-controller  Scaled up replica set web-222 from 0 to 2\n"},
		{"a deployment before its first ReplicaSet: no ReplicaSet lines", []string{"describe", "deploy/fresh"}, "" +
			"Name:               fresh\n" +
			"Namespace:          default\n" +
			"CreationTimestamp:  <unset>\n" +
			"Labels:             <none>\n" +
			"Annotations:        <none>\n" +
			"Selector:           app=fresh\n" +
			"Replicas:           1 desired | 0 updated | 0 total | 0 available | 0 unavailable\n" +
			"StrategyType:       Recreate\n" +
			"MinReadySeconds:    0\n" +
			"Pod Template:\n" +
			"  Labels:  app=fresh\n" +
			"  Containers:\n" +
			"    c:\n" +
			"      Image:        busybox\n" +
			"      Environment:  <none>\n" +
			"      Mounts:       <none>\n" +
			"  Volumes:          <none>\n" +
			"  Node-Selectors:   <none>\n" +
			"  Tolerations:      <none>\n" +
			"Events:             <none>\n"},
		{"job", []string{"describe", "job", "pi-28"}, "" +
			"Name:                     pi-28\n" +
			"Namespace:                default\n" +
			"Selector:                 batch.kubernetes.io/controller-uid=j1\n" +
			"Labels:                   batch.kubernetes.io/job-name=pi-28\n" +
			"Annotations:              <none>\n" +
			"Controlled By:            CronJob/pi\n" +
			"Parallelism:              2\n" +
			"Completions:              4\n" +
			"Completion Mode:          NonIndexed\n" +
			"Suspend:                  false\n" +
			"Backoff Limit:            6\n" +
			"Start Time:               " + start + "\n" +
			"Completed At:             " + end + "\n" +
			"Duration:                 65s\n" +
			"Active Deadline Seconds:  600s\n" +
			"Pods Statuses:            0 Active (0 Ready) / 4 Succeeded / 1 Failed\n" +
			"Pod Template:\n" +
			"  Labels:  batch.kubernetes.io/job-name=pi-28\n" +
			"  Containers:\n" +
			"    pi:\n" +
			"      Image:  perl:5.34\n" +
			"      Command:\n" +
			"        perl\n" +
			"        -e\n" +
			"        print 3\n" +
			"      Environment:  <none>\n" +
			"      Mounts:       <none>\n" +
			"  Volumes:          <none>\n" +
			"  Node-Selectors:   <none>\n" +
			"  Tolerations:      <none>\n" +
			"Events:             <none>\n"},
		{"indexed job", []string{"describe", "job", "idx"}, "" +
			"Name:               idx\n" +
			"Namespace:          default\n" +
			"Selector:           batch.kubernetes.io/controller-uid=j2\n" +
			"Labels:             <none>\n" +
			"Annotations:        <none>\n" +
			"Completions:        3\n" +
			"Completion Mode:    Indexed\n" +
			"Start Time:         " + start + "\n" +
			"Pods Statuses:      1 Active / 2 Succeeded / 0 Failed\n" +
			"Completed Indexes:  0,2\n" +
			"Pod Template:\n" +
			"  Labels:  <none>\n" +
			"  Containers:\n" +
			"    w:\n" +
			"      Image:        busybox\n" +
			"      Environment:  <none>\n" +
			"      Mounts:       <none>\n" +
			"  Volumes:          <none>\n" +
			"  Node-Selectors:   <none>\n" +
			"  Tolerations:      <none>\n" +
			"Events:             <none>\n"},
		{"cronjob", []string{"describe", "cronjob", "pi"}, "" +
			"Name:                          pi\n" +
			"Namespace:                     default\n" +
			"Labels:                        <none>\n" +
			"Annotations:                   <none>\n" +
			"Schedule:                      */5 * * * *\n" +
			"Concurrency Policy:            Forbid\n" +
			"Suspend:                       False\n" +
			"Time Zone:                     <unset>\n" +
			"Successful Job History Limit:  3\n" +
			"Failed Job History Limit:      1\n" +
			"Starting Deadline Seconds:     <unset>\n" +
			"Selector:                      <unset>\n" +
			"Parallelism:                   <unset>\n" +
			"Completions:                   <unset>\n" +
			"Pod Template:\n" +
			"  Labels:  <none>\n" +
			"  Containers:\n" +
			"    pi:\n" +
			"      Image:         perl:5.34\n" +
			"      Environment:   <none>\n" +
			"      Mounts:        <none>\n" +
			"  Volumes:           <none>\n" +
			"  Node-Selectors:    <none>\n" +
			"  Tolerations:       <none>\n" +
			"Last Schedule Time:  " + start + "\n" +
			"Active Jobs:         pi-28, pi-29\n" +
			"Events:              <none>\n"},
		{"cronjob with defaults unset", []string{"describe", "cj", "bare"}, "" +
			"Name:                          bare\n" +
			"Namespace:                     default\n" +
			"Labels:                        <none>\n" +
			"Annotations:                   <none>\n" +
			"Schedule:                      @hourly\n" +
			"Concurrency Policy:            \n" +
			"Suspend:                       <unset>\n" +
			"Time Zone:                     Etc/UTC\n" +
			"Successful Job History Limit:  <unset>\n" +
			"Failed Job History Limit:      <unset>\n" +
			"Starting Deadline Seconds:     30s\n" +
			"Selector:                      <unset>\n" +
			"Parallelism:                   2\n" +
			"Completions:                   <unset>\n" +
			"Active Deadline Seconds:       60s\n" +
			"Pod Template:\n" +
			"  Labels:  <none>\n" +
			"  Containers:\n" +
			"    b:\n" +
			"      Image:         busybox\n" +
			"      Environment:   <none>\n" +
			"      Mounts:        <none>\n" +
			"  Volumes:           <none>\n" +
			"  Node-Selectors:    disk=ssd\n" +
			"  Tolerations:       dedicated=batch:NoSchedule\n" +
			"Last Schedule Time:  <unset>\n" +
			"Active Jobs:         <none>\n" +
			"Events:              <none>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := kctl(t, server, "", tt.args...)
			if code != 0 || errOut != "" || out != tt.out {
				t.Errorf("exit %d, stderr %q, out\n%s\nwant\n%s", code, errOut, out, tt.out)
			}
		})
	}
}

func TestCapIndexes(t *testing.T) {
	long := "0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40"
	tests := []struct{ name, indexes, want string }{
		{"none", "", "<none>"},
		{"short", "0-2,4", "0-2,4"},
		{"cut after the first comma past the limit", long, "0,2,4,6,8,10,12,14,16,..."},
		{"no comma past the limit", "0,1000000000-1000000099", "0,1000000000-1000000099"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := capIndexes(tt.indexes, 20); got != tt.want {
				t.Errorf("capIndexes(%q, 20) = %q, want %q", tt.indexes, got, tt.want)
			}
		})
	}
}
