package kctl

import (
	"strings"
	"testing"
)

func TestClusterInfo(t *testing.T) {
	const svc = "/api/v1/namespaces/kube-system/services/"
	const footer = "\nTo further debug and diagnose cluster problems, use 'kctl doctor' on a node.\n"
	tests := []struct {
		name     string
		services map[string]string
		out      string
	}{
		{"no add-ons", nil, "Kubernetes control plane is running at SERVER\n" + footer},
		{"kubelab's kube-dns", map[string]string{"kube-dns": `{"apiVersion":"v1","kind":"Service","metadata":{"name":"kube-dns","namespace":"kube-system","labels":{"k8s-app":"kube-dns","kubernetes.io/cluster-service":"true","kubernetes.io/name":"CoreDNS"}},
			"spec":{"ports":[{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP"}]}}`},
			"Kubernetes control plane is running at SERVER\n" +
				"CoreDNS is running at SERVER/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n" + footer},
		{"labelled as kubectl looks for them", map[string]string{
			"dashboard": `{"apiVersion":"v1","kind":"Service","metadata":{"name":"dashboard","namespace":"kube-system",
				"labels":{"kubernetes.io/cluster-service":"true","kubernetes.io/name":"Dashboard"}},"spec":{"ports":[{"port":443}]}}`,
			"lb": `{"apiVersion":"v1","kind":"Service","metadata":{"name":"lb","namespace":"kube-system","labels":{"kubernetes.io/cluster-service":"true"}},
				"spec":{"type":"LoadBalancer","ports":[{"port":80},{"port":8080}]},"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.9"}]}}}`,
			"unlabelled": `{"apiVersion":"v1","kind":"Service","metadata":{"name":"unlabelled","namespace":"kube-system"}}`,
		}, "Kubernetes control plane is running at SERVER\n" +
			"Dashboard is running at SERVER/api/v1/namespaces/kube-system/services/https:dashboard:/proxy\n" +
			"lb is running at http://203.0.113.9:80 http://203.0.113.9:8080\n" + footer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			for name, obj := range tt.services {
				fake.objects[svc+name] = obj
			}
			out, errOut, code := kctl(t, server, "", "cluster-info")
			if want := strings.ReplaceAll(tt.out, "SERVER", server); code != 0 || errOut != "" || out != want {
				t.Errorf("exit %d, stderr %q, out\n%s\nwant\n%s", code, errOut, out, want)
			}
		})
	}
}
