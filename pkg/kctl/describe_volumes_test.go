package kctl

import (
	"strings"
	"testing"
)

// A pod's API-backed volumes and envFrom sources read as kubectl shows
// them; a Secret's data is never fetched.
func TestDescribePodVolumesAndEnvFrom(t *testing.T) {
	fake, server := newFakeAPI(t)
	fake.objects["/api/v1/namespaces/default/pods/app"] = `{"apiVersion":"v1","kind":"Pod",
		"metadata":{"name":"app","namespace":"default","uid":"u1"},
		"spec":{"nodeName":"node1","containers":[{"name":"app","image":"kubelab/toolbox",
			"envFrom":[{"configMapRef":{"name":"settings"}},{"prefix":"DB_","secretRef":{"name":"db","optional":true}}]}],
		"volumes":[
			{"name":"config","configMap":{"name":"settings"}},
			{"name":"creds","secret":{"secretName":"db","defaultMode":256}},
			{"name":"info","downwardAPI":{"items":[{"path":"labels","fieldRef":{"fieldPath":"metadata.labels"}}]}},
			{"name":"data","persistentVolumeClaim":{"claimName":"data-web-0"}},
			{"name":"kube-api-access","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},
				{"configMap":{"name":"kube-root-ca.crt"}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"fieldPath":"metadata.namespace"}}]}}]}}]},
		"status":{"phase":"Running"}}`
	out, errOut, code := kctl(t, server, "", "describe", "pod/app")
	if code != 0 || errOut != "" {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"    Environment Variables from:\n      settings    ConfigMap                 Optional: false\n      db          Secret with prefix 'DB_'  Optional: true\n",
		"  config:\n    Type:      ConfigMap (a volume populated by a ConfigMap)\n    Name:      settings\n    Optional:  false\n",
		"  creds:\n    Type:        Secret (a volume populated by a Secret)\n    SecretName:  db\n    Optional:    false\n",
		"  info:\n    Type:  DownwardAPI (a volume populated by information about the pod)\n    Items:\n      metadata.labels -> labels\n",
		"  data:\n    Type:       PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:  data-web-0\n    ReadOnly:   false\n",
		"    TokenExpirationSeconds:  3607\n    ConfigMapName:           kube-root-ca.crt\n    ConfigMapOptional:       <nil>\n    DownwardAPI:             true\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the description lacks %q:\n%s", want, out)
		}
	}
}
