package dns

import (
	"os"
	"testing"

	"kubelab/pkg/api"
)

// The add-on manifest goes through what the apiserver does with it:
// decode (no unknown fields), default, validate. A typo there would only
// show when `make up` applies it.
func TestAddonManifest(t *testing.T) {
	data, err := os.ReadFile("../../addons/dns.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := api.SplitDocuments(data)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]api.Object{}
	for _, doc := range docs {
		obj, res, warnings, err := api.Decode(doc)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		for _, w := range warnings {
			t.Errorf("%s: %s", res.Kind, w)
		}
		api.SetDefaults(obj)
		for _, e := range api.Validate(obj) {
			t.Errorf("%s: %v", res.Kind, e)
		}
		found[res.Kind+"/"+obj.GetObjectMeta().Namespace+"/"+obj.GetObjectMeta().Name] = obj
	}

	svc, ok := found["Service/kube-system/kube-dns"].(*api.Service)
	if !ok {
		t.Fatalf("no Service kube-system/kube-dns in %v", found)
	}
	if svc.Spec.ClusterIP != "10.96.0.10" || svc.Spec.Selector["k8s-app"] != "kube-dns" {
		t.Errorf("Service: clusterIP %q selector %v; want 10.96.0.10 and k8s-app=kube-dns", svc.Spec.ClusterIP, svc.Spec.Selector)
	}
	d, ok := found["Deployment/kube-system/kube-dns"].(*api.Deployment)
	if !ok {
		t.Fatalf("no Deployment kube-system/kube-dns in %v", found)
	}
	if pod := d.Spec.Template.Spec; pod.DNSPolicy != "Default" || pod.Containers[0].Image != "kubelab/dns:latest" ||
		pod.ServiceAccountName != "kube-dns" {
		t.Errorf("pod template: dnsPolicy %q image %q account %q; want Default, kubelab/dns:latest and kube-dns",
			pod.DNSPolicy, pod.Containers[0].Image, pod.ServiceAccountName)
	}
}
