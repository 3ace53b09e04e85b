package apiserver

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// The benchmarks of one create, the apiserver's commonest write, profile
// the request path without the benchmark client's HTTPS around it
// (BenchmarkCreateHandler) and with it (BenchmarkCreateHTTPS): for
// example
//
//	go test ./pkg/apiserver -run '^$' -bench Create -benchmem -cpuprofile cpu.out
//
// hack/bench/api.sh measures the same creates against raw etcd puts.

var benchConfigMap = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"labels":{"app":"bench"}},"data":{"key":"value"}}`

var benchPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"labels":{"app":"bench"}},` +
	`"spec":{"containers":[{"name":"app","image":"kubelab/kubia:1","ports":[{"containerPort":8080}],` +
	`"resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}]}}`

// BenchmarkCreateHandler calls the API's handler directly, as the admin
// whose client certificate the TLS handshake would have verified.
func BenchmarkCreateHandler(b *testing.B) {
	for _, kind := range []struct{ name, path, body string }{
		{"configmap", "/api/v1/namespaces/default/configmaps", benchConfigMap},
		{"pod", podsPath, benchPod},
	} {
		b.Run(kind.name, func(b *testing.B) {
			ts := newTestServer(b)
			h := ts.srv.Handler()
			leaf, err := x509.ParseCertificate(testPKI.adminTLS.Certificates[0].Certificate[0])
			if err != nil {
				b.Fatal(err)
			}
			admin := &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{leaf}}}
			var seq atomic.Int64
			b.SetParallelism(32) // 64 at once on two CPUs, as hack/bench/api.sh
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					body := fmt.Sprintf(kind.body, fmt.Sprintf("b-%d", seq.Add(1)))
					req := httptest.NewRequest(http.MethodPost, kind.path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.TLS = admin
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusCreated {
						b.Fatalf("create: %d %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}

// BenchmarkCreateHTTPS sends the creates over HTTPS on kept-alive
// connections, 64 at a time as hack/bench/api.sh does at concurrency 64.
func BenchmarkCreateHTTPS(b *testing.B) {
	ts := newTestServer(b)
	client := clientWith(testPKI.adminTLS)
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 128
	url := ts.http.URL + "/api/v1/namespaces/default/configmaps"
	var seq atomic.Int64
	b.SetParallelism(32) // 32 per CPU
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := fmt.Sprintf(benchConfigMap, fmt.Sprintf("h-%d", seq.Add(1)))
			resp, err := client.Post(url, "application/json", strings.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Fatalf("create: %s", resp.Status)
			}
		}
	})
}
