package kctl

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestDashboard(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.Write([]byte("ok\n"))
			return
		}
		http.NotFound(w, r)
	}))
	defer up.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()

	// make up writes the address beside the admin's kubeconfig.
	dir := t.TempDir()
	kubeconfig := writeFile(t, dir, "admin.conf", "apiVersion: v1\nkind: Config\n")
	writeFile(t, dir, dashboardURLFile, up.URL+"\n")

	out, errOut, code := kctlEnv(t, filepath.Join(dir, "admin.conf"), "", "dashboard", "--url")
	if code != 0 || out != up.URL+"\n" {
		t.Fatalf("kctl dashboard --url (from %s): code %d, out %q, err %q", kubeconfig, code, out, errOut)
	}
	out, errOut, code = kctlEnv(t, "", "", "dashboard", "--url", "--address", up.URL+"/")
	if code != 0 || out != up.URL+"\n" {
		t.Fatalf("kctl dashboard --address: code %d, out %q, err %q", code, out, errOut)
	}
	_, errOut, code = kctlEnv(t, "", "", "dashboard", "--url", "--address", down.URL)
	if code != 1 || !strings.Contains(errOut, "error: the dashboard does not answer at "+down.URL) || !strings.Contains(errOut, "make up starts it") {
		t.Fatalf("kctl dashboard, nothing there: code %d, err %q", code, errOut)
	}
}
