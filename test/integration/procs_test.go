package integration

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binary builds the kubelab commands once per test run and returns the
// path of one of them.
func binary(t *testing.T, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "kubelab-bin-")
		if buildErr != nil {
			return
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		cmd := exec.Command("go", "build", "-o", binDir+"/", "./cmd/...")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, name)
}

// removeBinaries removes what binary built, if it built; TestMain calls it.
func removeBinaries() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

// freeAddr is a free loopback address for an apiserver.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// process is a kubelab program running in the background; its output
// goes to a buffer printed if the test fails.
type process struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

// start starts a program until the end of the test. A program that logs
// an authorizer's refusal fails the test: each runs under its own
// identity, and its default role, or the Node authorizer, must allow
// everything it does. (Other 403s, such as a create in a namespace being
// deleted, are admission's and part of the job.)
func start(t *testing.T, name string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(binary(t, name), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, out: &out}
	t.Cleanup(func() {
		p.kill()
		if strings.Contains(out.String(), authorizerRefusal) {
			t.Errorf("the apiserver's authorizers refused %s a request (403): its role does not allow what it does", name)
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return p
}

// authorizerRefusal is in the message of every 403 the authorizers answer,
// as in Kubernetes': pods "p" is forbidden: User "u" cannot delete ...
const authorizerRefusal = "forbidden: User "

// kill stops the process with SIGKILL: no chance to clean up or flush.
func (p *process) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
}

// waitHealthy polls base + /healthz until it answers 200: base is
// https://<addr> for an apiserver, http://<addr> for a component's health
// port.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	hc := adminHTTP(t)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := hc.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not become healthy within 30s", base)
}
