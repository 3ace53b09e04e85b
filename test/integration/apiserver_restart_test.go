package integration

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// An apiserver killed with SIGKILL in the middle of a stream of writes has
// lost none it acknowledged: every create that got a 201 is there after a
// restart on the same data directory.
func TestApiserverKillLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the apiserver")
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	args := append([]string{"--listen", addr, "--data-dir", dir, "--log-level", "warn"}, apiserverTLSFlags(t)...)
	srv := start(t, "apiserver", args...)
	waitHealthy(t, "https://"+addr)
	hc := adminHTTP(t)

	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("cm-%d-%d", w, i)
				body := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q},"data":{"k":"v"}}`, name)
				resp, err := hc.Post("https://"+addr+"/api/v1/namespaces/default/configmaps", "application/json", bytes.NewBufferString(body))
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acked = append(acked, name)
					mu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(700 * time.Millisecond)
	srv.kill()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}

	start(t, "apiserver", args...)
	waitHealthy(t, "https://"+addr)
	for _, name := range acked {
		resp, err := hc.Get("https://" + addr + "/api/v1/namespaces/default/configmaps/" + name)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("acknowledged configmap %s is gone after the restart (%d)", name, resp.StatusCode)
		}
	}
	t.Logf("%d acknowledged writes all survived a SIGKILL", len(acked))
}
