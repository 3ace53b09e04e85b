package kctl

import "testing"

func TestExpose(t *testing.T) {
	const svcs = "/api/v1/namespaces/default/services"
	objects := map[string]string{
		"/apis/apps/v1/namespaces/default/deployments/web": `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},` +
			`"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},` +
			`"spec":{"containers":[{"name":"nginx","image":"nginx","ports":[{"containerPort":80}]}]}}}}`,
		"/apis/apps/v1/namespaces/default/replicasets/multi": `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"multi"},` +
			`"spec":{"selector":{"matchLabels":{"app":"multi"}},"template":{"metadata":{"labels":{"app":"multi"}},` +
			`"spec":{"containers":[{"name":"a","image":"a","ports":[{"containerPort":53,"protocol":"UDP"}]},{"name":"b","image":"b","ports":[{"containerPort":8080}]}]}}}}`,
		"/apis/apps/v1/namespaces/default/replicasets/expr": `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"expr"},` +
			`"spec":{"selector":{"matchExpressions":[{"key":"app","operator":"Exists"}]},"template":{"spec":{"containers":[{"name":"a","image":"a"}]}}}}`,
		"/api/v1/namespaces/default/pods/kubia": `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","labels":{"run":"kubia"}},` +
			`"spec":{"containers":[{"name":"kubia","image":"kubia"}]}}`,
		"/api/v1/namespaces/default/pods/bare": `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bare"},"spec":{"containers":[{"name":"c","image":"c"}]}}`,
		"/api/v1/namespaces/default/nodes/n1":  `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}`,
	}
	runGeneratorCases(t, objects, []generatorCase{
		{"deployment: selector, labels and the one port", []string{"expose", "deployment", "web", "--target-port=8080"},
			"service/web exposed\n", "", 0, svcs,
			`{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","labels":{"app":"web"}},` +
				`"spec":{"selector":{"app":"web"},"ports":[{"protocol":"TCP","port":80,"targetPort":8080}]}}`},
		{"deploy/NAME, name, type, named target port", []string{"expose", "deploy/web", "--port=443", "--target-port=https", "--name=front", "--type=NodePort"},
			"service/front exposed\n", "", 0, svcs,
			`{"apiVersion":"v1","kind":"Service","metadata":{"name":"front","labels":{"app":"web"}},` +
				`"spec":{"type":"NodePort","selector":{"app":"web"},"ports":[{"protocol":"TCP","port":443,"targetPort":"https"}]}}`},
		{"rs with two ports: one each, protocols from the pods", []string{"expose", "rs", "multi"},
			"service/multi exposed\n", "", 0, svcs,
			`{"apiVersion":"v1","kind":"Service","metadata":{"name":"multi"},"spec":{"selector":{"app":"multi"},"ports":[` +
				`{"name":"port-1","protocol":"UDP","port":53,"targetPort":53},{"name":"port-2","protocol":"TCP","port":8080,"targetPort":8080}]}}`},
		{"pod: its labels, --protocol, --labels", []string{"expose", "po", "kubia", "--port=80", "--protocol=UDP", "--labels=team=a"},
			"service/kubia exposed\n", "", 0, svcs,
			`{"apiVersion":"v1","kind":"Service","metadata":{"name":"kubia","labels":{"team":"a"}},` +
				`"spec":{"selector":{"run":"kubia"},"ports":[{"protocol":"UDP","port":80,"targetPort":80}]}}`},
		{"pod without a port", []string{"expose", "pod", "kubia"}, "", "error: couldn't find port via --port flag or introspection\n", 1, "", ""},
		{"pod without labels", []string{"expose", "pod", "bare", "--port=80"}, "", "error: the pod has no labels and cannot be exposed\n", 1, "", ""},
		{"selector expressions", []string{"expose", "rs", "expr", "--port=80"}, "",
			"error: couldn't convert expressions - \"[{Key:app Operator:Exists Values:[]}]\" to map-based selector format\n", 1, "", ""},
		{"a node", []string{"expose", "node", "n1", "--port=80"}, "", "error: cannot expose a Node\n", 1, "", ""},
		{"a daemonset", []string{"expose", "ds", "x", "--port=80"}, "", "error: cannot expose a DaemonSet.apps\n", 1, "", ""},
		{"missing", []string{"expose", "deployment", "nope", "--port=80"}, "",
			"Error from server (NotFound): deployments \"nope\" not found\n", 1, "", ""},
	})
}
