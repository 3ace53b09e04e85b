package kubelet

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// What projected volumes read goes over the wire as the apiserver
// expects: a TokenRequest POSTed to the ServiceAccount's token
// subresource, ConfigMaps and Secrets read by name.
func TestClientAPIForVolumes(t *testing.T) {
	var body map[string]any
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/namespaces/shop/serviceaccounts/builder/token", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		reply(w, http.StatusCreated, map[string]any{"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
			"spec":   map[string]any{"expirationSeconds": 3607},
			"status": map[string]any{"token": "eyJ.x.y", "expirationTimestamp": "2025-01-01T13:00:07Z"}})
	})
	mux.HandleFunc("GET /api/v1/namespaces/shop/secrets/db", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, map[string]any{"kind": "Secret", "apiVersion": "v1", "metadata": map[string]any{"name": "db", "namespace": "shop"},
			"data": map[string]any{"password": "czNjcmV0"}})
	})
	mux.HandleFunc("GET /api/v1/namespaces/shop/configmaps/{name}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusNotFound, map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
			"code": 404, "message": `configmaps "` + r.PathValue("name") + `" not found`})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := client.New(client.Config{Server: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	a := clientAPI{c: c}
	ctx := context.Background()

	out, err := a.CreateToken(ctx, "shop", "builder", &api.TokenRequest{
		TypeMeta: api.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenRequest"},
		Spec: api.TokenRequestSpec{Audiences: []string{"vault"}, ExpirationSeconds: api.Int64(3607),
			BoundObjectRef: &api.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "web", UID: "uid-web"}},
	})
	if err != nil || out.Status.Token != "eyJ.x.y" || !out.Status.ExpirationTimestamp.Equal(t0.Add(3607e9)) {
		t.Fatalf("CreateToken = %+v, %v", out, err)
	}
	spec, _ := json.Marshal(body["spec"])
	if want := `{"audiences":["vault"],"boundObjectRef":{"apiVersion":"v1","kind":"Pod","name":"web","uid":"uid-web"},"expirationSeconds":3607}`; string(spec) != want {
		t.Errorf("request spec %s, want %s", spec, want)
	}
	if s, err := a.GetSecret(ctx, "shop", "db"); err != nil || string(s.Data["password"]) != "s3cret" {
		t.Errorf("GetSecret = %+v, %v", s, err)
	}
	if _, err := a.GetConfigMap(ctx, "shop", "kube-root-ca.crt"); !client.IsNotFound(err) {
		t.Errorf("GetConfigMap of a missing one: %v, want NotFound", err)
	}
}
