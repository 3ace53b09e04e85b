package api

import (
	"encoding/json"
	"testing"
)

// decodeForTest decodes a YAML manifest and fails the test on any error.
func decodeForTest(t *testing.T, manifest string) Object {
	t.Helper()
	obj, _, warnings, err := Decode([]byte(manifest))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(warnings) > 0 {
		t.Fatalf("Decode warnings: %v", warnings)
	}
	return obj
}

// sameAs compares two objects by their JSON.
func sameAs(t *testing.T, got, want Object) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	if string(g) != string(w) {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}

func TestSetDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   string // manifest before defaults
		want string // the same object with every default spelled out
	}{
		{"pod", `
apiVersion: v1
kind: Pod
metadata: {name: kubia}
spec:
  containers:
  - name: web
    image: kubia:v1
    ports: [{containerPort: 8080}]
    env: [{name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
    resources: {limits: {cpu: 500m, memory: 64Mi}, requests: {cpu: 100m}}
    livenessProbe: {httpGet: {port: 8080}}
    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 2}
  - name: sidecar
    image: busybox
  volumes: [{name: scratch}]
`, `
apiVersion: v1
kind: Pod
metadata: {name: kubia}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 30
  schedulerName: default-scheduler
  serviceAccountName: default
  dnsPolicy: ClusterFirst
  securityContext: {}
  enableServiceLinks: true
  containers:
  - name: web
    image: kubia:v1
    imagePullPolicy: IfNotPresent
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
    ports: [{containerPort: 8080, protocol: TCP}]
    env: [{name: POD_IP, valueFrom: {fieldRef: {apiVersion: v1, fieldPath: status.podIP}}}]
    resources: {limits: {cpu: 500m, memory: 64Mi}, requests: {cpu: 100m, memory: 64Mi}}
    livenessProbe: {httpGet: {port: 8080, path: /, scheme: HTTP}, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3}
    readinessProbe: {tcpSocket: {port: 8080}, timeoutSeconds: 1, periodSeconds: 2, successThreshold: 1, failureThreshold: 3}
  - name: sidecar
    image: busybox
    imagePullPolicy: Always
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
  volumes: [{name: scratch, emptyDir: {}}]
`},
		{"pod with its own DNS settings keeps them", `
apiVersion: v1
kind: Pod
metadata: {name: dns}
spec:
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  securityContext: {}
  enableServiceLinks: true
  dnsConfig: {nameservers: [192.0.2.53], searches: [example.org], options: [{name: ndots, value: "2"}, {name: edns0}]}
  containers: [{name: web, image: "kubia:v1"}]
`, `
apiVersion: v1
kind: Pod
metadata: {name: dns}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 30
  schedulerName: default-scheduler
  serviceAccountName: default
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  securityContext: {}
  enableServiceLinks: true
  dnsConfig: {nameservers: [192.0.2.53], searches: [example.org], options: [{name: ndots, value: "2"}, {name: edns0}]}
  containers: [{name: web, image: "kubia:v1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"pod that names its service account keeps it", `
apiVersion: v1
kind: Pod
metadata: {name: robot}
spec:
  serviceAccountName: builder
  containers: [{name: web, image: "kubia:v1"}]
`, `
apiVersion: v1
kind: Pod
metadata: {name: robot}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 30
  schedulerName: default-scheduler
  serviceAccountName: builder
  dnsPolicy: ClusterFirst
  securityContext: {}
  enableServiceLinks: true
  containers: [{name: web, image: "kubia:v1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"service", `
apiVersion: v1
kind: Service
metadata: {name: kubia}
spec:
  selector: {app: kubia}
  ports: [{port: 80}, {port: 443, targetPort: https, protocol: UDP}]
`, `
apiVersion: v1
kind: Service
metadata: {name: kubia}
spec:
  type: ClusterIP
  sessionAffinity: None
  internalTrafficPolicy: Cluster
  ipFamilies: [IPv4]
  ipFamilyPolicy: SingleStack
  selector: {app: kubia}
  ports: [{port: 80, targetPort: 80, protocol: TCP}, {port: 443, targetPort: https, protocol: UDP}]
`},
		{"node port service with client IP affinity", `
apiVersion: v1
kind: Service
metadata: {name: kubia}
spec:
  type: NodePort
  sessionAffinity: ClientIP
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
`, `
apiVersion: v1
kind: Service
metadata: {name: kubia}
spec:
  type: NodePort
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 10800}}
  externalTrafficPolicy: Cluster
  internalTrafficPolicy: Cluster
  ipFamilies: [IPv4]
  ipFamilyPolicy: SingleStack
  ports: [{port: 80, targetPort: 8080, nodePort: 30080, protocol: TCP}]
`},
		{"external name service", `
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {type: ExternalName, externalName: db.example.com}
`, `
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {type: ExternalName, externalName: db.example.com, sessionAffinity: None}
`},
		{"replica set", `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: kubia}
spec:
  selector: {matchLabels: {app: kubia}}
  template:
    metadata: {labels: {app: kubia}}
    spec: {containers: [{name: web, image: "kubia:v1"}]}
`, `
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: kubia}
spec:
  replicas: 1
  selector: {matchLabels: {app: kubia}}
  template:
    metadata: {labels: {app: kubia}}
    spec:
      restartPolicy: Always
      terminationGracePeriodSeconds: 30
      schedulerName: default-scheduler
      dnsPolicy: ClusterFirst
      securityContext: {}
      enableServiceLinks: true
      containers: [{name: web, image: "kubia:v1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"replication controller takes selector and labels from its template", `
apiVersion: v1
kind: ReplicationController
metadata: {name: kubia}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: kubia}}
    spec: {containers: [{name: web, image: "kubia:v1"}]}
`, `
apiVersion: v1
kind: ReplicationController
metadata: {name: kubia, labels: {app: kubia}}
spec:
  replicas: 3
  selector: {app: kubia}
  template:
    metadata: {labels: {app: kubia}}
    spec:
      restartPolicy: Always
      terminationGracePeriodSeconds: 30
      schedulerName: default-scheduler
      dnsPolicy: ClusterFirst
      securityContext: {}
      enableServiceLinks: true
      containers: [{name: web, image: "kubia:v1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"daemon set", `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: "agent:1"}]}
`, `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}
  revisionHistoryLimit: 10
  template:
    metadata: {labels: {app: agent}}
    spec:
      restartPolicy: Always
      terminationGracePeriodSeconds: 30
      schedulerName: default-scheduler
      dnsPolicy: ClusterFirst
      securityContext: {}
      enableServiceLinks: true
      containers: [{name: agent, image: "agent:1", imagePullPolicy: IfNotPresent, terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}]
`},
		{"namespace", "{apiVersion: v1, kind: Namespace, metadata: {name: dev}}",
			"{apiVersion: v1, kind: Namespace, metadata: {name: dev}, status: {phase: Active}}"},
		{"endpoints", "{apiVersion: v1, kind: Endpoints, metadata: {name: kubia}, subsets: [{ports: [{port: 8080}]}]}",
			"{apiVersion: v1, kind: Endpoints, metadata: {name: kubia}, subsets: [{ports: [{port: 8080, protocol: TCP}]}]}"},
		{"event", "{apiVersion: v1, kind: Event, metadata: {name: e}, involvedObject: {kind: Pod, name: p}}",
			"{apiVersion: v1, kind: Event, metadata: {name: e}, involvedObject: {kind: Pod, name: p}, type: Normal}"},
		{"secret", "{apiVersion: v1, kind: Secret, metadata: {name: s}}",
			"{apiVersion: v1, kind: Secret, metadata: {name: s}, type: Opaque}"},
		{"node allocatable from capacity", "{apiVersion: v1, kind: Node, metadata: {name: node-1}, status: {capacity: {cpu: 2, pods: 110}}}",
			"{apiVersion: v1, kind: Node, metadata: {name: node-1}, status: {capacity: {cpu: 2, pods: 110}, allocatable: {cpu: 2, pods: 110}}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := decodeForTest(t, tt.in)
			SetDefaults(obj)
			sameAs(t, obj, decodeForTest(t, tt.want))
			// Defaults are idempotent.
			again := DeepCopy(obj)
			SetDefaults(again)
			sameAs(t, again, obj)
		})
	}
}

func TestImagePullPolicyDefault(t *testing.T) {
	tests := []struct{ image, want string }{
		{"nginx", PullAlways},
		{"nginx:latest", PullAlways},
		{"nginx:1.25", PullIfNotPresent},
		{"localhost:5000/kubia", PullAlways},
		{"localhost:5000/kubia:v2", PullIfNotPresent},
		{"nginx@sha256:0123456789abcdef", PullIfNotPresent},
		{"nginx:1.25@sha256:0123456789abcdef", PullIfNotPresent},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			c := Container{Name: "c", Image: tt.image}
			setContainerDefaults(&c)
			if c.ImagePullPolicy != tt.want {
				t.Errorf("imagePullPolicy = %s, want %s", c.ImagePullPolicy, tt.want)
			}
		})
	}
}

func TestPodQOSClass(t *testing.T) {
	res := func(limits, requests map[string]string) ResourceRequirements {
		var r ResourceRequirements
		for k, v := range limits {
			if r.Limits == nil {
				r.Limits = ResourceList{}
			}
			r.Limits[k] = MustParse(v)
		}
		for k, v := range requests {
			if r.Requests == nil {
				r.Requests = ResourceList{}
			}
			r.Requests[k] = MustParse(v)
		}
		return r
	}
	both := map[string]string{"cpu": "1", "memory": "1Gi"}
	tests := []struct {
		name       string
		containers []ResourceRequirements
		want       string
	}{
		{"nothing asked", []ResourceRequirements{{}}, PodQOSBestEffort},
		{"only other resources", []ResourceRequirements{res(map[string]string{"example.com/gpu": "1"}, nil)}, PodQOSBestEffort},
		{"limits only", []ResourceRequirements{res(both, nil)}, PodQOSGuaranteed},
		{"requests equal limits", []ResourceRequirements{res(both, both)}, PodQOSGuaranteed},
		{"requests below limits", []ResourceRequirements{res(both, map[string]string{"cpu": "500m", "memory": "1Gi"})}, PodQOSBurstable},
		{"only cpu limit", []ResourceRequirements{res(map[string]string{"cpu": "1"}, nil)}, PodQOSBurstable},
		{"only requests", []ResourceRequirements{res(nil, map[string]string{"memory": "64Mi"})}, PodQOSBurstable},
		{"one container without limits", []ResourceRequirements{res(both, nil), {}}, PodQOSBurstable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &Pod{}
			for _, r := range tt.containers {
				pod.Spec.Containers = append(pod.Spec.Containers, Container{Name: "c", Image: "i", Resources: r})
			}
			if got := PodQOSClass(pod); got != tt.want {
				t.Errorf("PodQOSClass = %s, want %s", got, tt.want)
			}
		})
	}
}
