package api

import "testing"

// podDefaults is what setPodSpecDefaults adds to a template's spec.
const podDefaults = `
      terminationGracePeriodSeconds: 30
      schedulerName: default-scheduler
      dnsPolicy: ClusterFirst
      securityContext: {}
      enableServiceLinks: true`

func TestSetWorkloadDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   string // manifest before defaults
		want string // the same object with every default spelled out
	}{
		{"deployment", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: kubia}
spec:
  selector: {matchLabels: {app: kubia}}
  template:
    metadata: {labels: {app: kubia}}
    spec: {containers: [{name: web, image: "kubia:v1"}]}
`, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: kubia}
spec:
  replicas: 1
  selector: {matchLabels: {app: kubia}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 25%, maxSurge: 25%}}
  revisionHistoryLimit: 10
  progressDeadlineSeconds: 600
  template:
    metadata: {labels: {app: kubia}}
    spec:
      restartPolicy: Always` + podDefaults + `
      containers: [{name: web, image: "kubia:v1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"deployment keeps what it was given", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: kubia}
spec:
  replicas: 0
  selector: {matchLabels: {app: kubia}}
  strategy: {rollingUpdate: {maxSurge: 1}}
  revisionHistoryLimit: 0
  template:
    metadata: {labels: {app: kubia}}
    spec: {containers: [{name: web, image: "kubia:v1"}]}
`, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: kubia}
spec:
  replicas: 0
  selector: {matchLabels: {app: kubia}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 25%, maxSurge: 1}}
  revisionHistoryLimit: 0
  progressDeadlineSeconds: 600
  template:
    metadata: {labels: {app: kubia}}
    spec:
      restartPolicy: Always` + podDefaults + `
      containers: [{name: web, image: "kubia:v1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"recreate deployment has no rolling update", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: kubia}
spec:
  selector: {matchLabels: {app: kubia}}
  strategy: {type: Recreate}
  template:
    metadata: {labels: {app: kubia}}
    spec: {containers: [{name: web, image: "kubia:v1"}]}
`, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: kubia}
spec:
  replicas: 1
  selector: {matchLabels: {app: kubia}}
  strategy: {type: Recreate}
  revisionHistoryLimit: 10
  progressDeadlineSeconds: 600
  template:
    metadata: {labels: {app: kubia}}
    spec:
      restartPolicy: Always` + podDefaults + `
      containers: [{name: web, image: "kubia:v1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"job runs one pod to one success", `
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    metadata: {labels: {app: pi}}
    spec: {restartPolicy: Never, containers: [{name: pi, image: "perl:5"}]}
`, `
apiVersion: batch/v1
kind: Job
metadata: {name: pi, labels: {app: pi}}
spec:
  parallelism: 1
  completions: 1
  backoffLimit: 6
  completionMode: NonIndexed
  suspend: false
  template:
    metadata: {labels: {app: pi}}
    spec:
      restartPolicy: Never` + podDefaults + `
      containers: [{name: pi, image: "perl:5", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"work-queue job keeps completions unset", `
apiVersion: batch/v1
kind: Job
metadata: {name: queue, labels: {team: a}}
spec:
  parallelism: 3
  template:
    metadata: {labels: {app: queue}}
    spec: {restartPolicy: OnFailure, containers: [{name: w, image: "worker:1"}]}
`, `
apiVersion: batch/v1
kind: Job
metadata: {name: queue, labels: {team: a}}
spec:
  parallelism: 3
  backoffLimit: 6
  completionMode: NonIndexed
  suspend: false
  template:
    metadata: {labels: {app: queue}}
    spec:
      restartPolicy: OnFailure` + podDefaults + `
      containers: [{name: w, image: "worker:1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"job with completions runs them one at a time", `
apiVersion: batch/v1
kind: Job
metadata: {name: five}
spec:
  completions: 5
  template:
    spec: {containers: [{name: w, image: "worker:1"}]}
`, `
apiVersion: batch/v1
kind: Job
metadata: {name: five}
spec:
  parallelism: 1
  completions: 5
  backoffLimit: 6
  completionMode: NonIndexed
  suspend: false
  template:
    spec:
      restartPolicy: Always` + podDefaults + `
      containers: [{name: w, image: "worker:1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"cron job", `
apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: OnFailure, containers: [{name: hello, image: "busybox:1.36"}]}
`, `
apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: "*/1 * * * *"
  concurrencyPolicy: Allow
  suspend: false
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          terminationGracePeriodSeconds: 30
          schedulerName: default-scheduler
          dnsPolicy: ClusterFirst
          securityContext: {}
          enableServiceLinks: true
          containers: [{name: hello, image: "busybox:1.36", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
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
