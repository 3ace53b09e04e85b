package kctl

import (
	"strings"
	"testing"
)

func TestDescribePod(t *testing.T) {
	fake, server := newFakeAPI(t)
	fake.objects["/api/v1/namespaces/default/pods/kubia"] = `{"apiVersion":"v1","kind":"Pod",
		"metadata":{"name":"kubia","namespace":"default","uid":"u1","labels":{"app":"kubia","env":"dev"},
			"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"},
			"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"kubia","uid":"r1","controller":true}]},
		"spec":{"nodeName":"node1","containers":[{"name":"kubia","image":"kubelab/kubia:latest",
			"ports":[{"containerPort":8080,"protocol":"TCP"}]}]},
		"status":{"phase":"Running","hostIP":"10.0.0.11","podIP":"10.244.1.5","podIPs":[{"ip":"10.244.1.5"}],
			"conditions":[{"type":"Ready","status":"True"}],
			"containerStatuses":[{"name":"kubia","ready":true,"restartCount":2,"image":"kubelab/kubia:latest","imageID":"",
				"state":{"waiting":{"reason":"CrashLoopBackOff"}},
				"lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}}`
	fake.objects["/api/v1/namespaces/default/events/kubia.1"] = `{"apiVersion":"v1","kind":"Event",
		"metadata":{"name":"kubia.1","namespace":"default"},
		"involvedObject":{"kind":"Pod","name":"kubia","namespace":"default","uid":"u1"},
		"reason":"BackOff","message":"Back-off restarting failed container","type":"Warning","count":1,
		"source":{"component":"kubelet","host":"node1"}}`
	out, errOut, code := kctl(t, server, "", "describe", "pod/kubia")
	if code != 0 || errOut != "" {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"Name:         kubia\n",
		"Node:         node1/10.0.0.11\n",
		"Labels:       app=kubia\n              env=dev\n",
		"Annotations:  <none>\n", // the last-applied annotation is left out
		"Status:       Running\n",
		"Controlled By:  ReplicaSet/kubia\n",
		"    Port:           8080/TCP\n",
		"    State:          Waiting\n      Reason:       CrashLoopBackOff\n",
		"    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    1\n",
		"    Ready:          True\n    Restart Count:  2\n",
		"Conditions:\n  Type           Status\n  Ready          True \n",
		"Events:\n  Type     Reason   Age        From            Message\n" +
			"  ----     ------   ---        ----            -------\n" +
			"  Warning  BackOff  <unknown>  kubelet, node1  Back-off restarting failed container\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the description lacks %q:\n%s", want, out)
		}
	}
}
