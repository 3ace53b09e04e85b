package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kctl"
	"kubelab/pkg/pki"
)

// Exec, attach's kin and port-forward on a real Docker node, through the
// apiserver: kctl speaks WebSocket v5 and SPDY-in-WebSocket as kubectl
// 1.37 does, the apiserver passes the upgrade through, the kubelet runs
// the streams against Docker.
func TestStreams(t *testing.T) {
	c := startCluster(t)
	run := c.stepper(t)
	// kubia's image has no shell: the commands run in a toolbox beside it.
	c.createPod(newPod("kubia", kubia(), toolbox("shell", "while true; do sleep 0.2; done")))
	c.waitPod("kubia", 60*time.Second, "to be ready", ready(true))

	run("exec with stdin", func(t *testing.T) {
		out, errOut, code := c.kctlIn("first\nsecond\n", "exec", "-i", "kubia", "-c", "shell", "--", "sh", "-c", "wc -l; cat /dev/null")
		if code != 0 || strings.TrimSpace(out) != "2" {
			t.Errorf("exit %d, stdout %q, stderr %q; want 0 and 2 lines counted", code, out, errOut)
		}
	})
	run("the command's exit code is kctl's", func(t *testing.T) {
		out, errOut, code := c.kctl("exec", "kubia", "-c", "shell", "--", "sh", "-c", "echo out; echo err >&2; exit 42")
		if code != 42 || out != "out\n" || errOut != "err\ncommand terminated with exit code 42\n" {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	run("a terminal of the client's size", func(t *testing.T) {
		out, st := c.execWebSocket(t, "kubia", []string{"sh", "-c", "sleep 0.5; stty size; tty"}, 100, 30)
		if !strings.Contains(out, "30 100") || !strings.Contains(out, "/dev/pts/") || st.Status != "Success" {
			t.Errorf("output %q, status %+v", out, st)
		}
	})
	run("port-forward a request to kubia", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pr, pw := io.Pipe()
		var errOut syncBuffer
		cmd := kctl.NewRootCommand(strings.NewReader(""), pw, &errOut)
		cmd.SetArgs([]string{"--kubeconfig", c.file(pki.AdminKubeconfig), "port-forward", "kubia", ":8080", "--address", "127.0.0.1"})
		done := make(chan error, 1)
		go func() { done <- cmd.ExecuteContext(ctx); pw.Close() }()
		lines := bufio.NewScanner(pr)
		if !lines.Scan() {
			t.Fatalf("kctl port-forward printed nothing: %s", errOut.String())
		}
		go func() {
			for lines.Scan() { // "Handling connection for …"
			}
		}()
		var addr string
		if _, err := fmt.Sscanf(lines.Text(), "Forwarding from %s -> 8080", &addr); err != nil {
			t.Fatalf("%q: %v", lines.Text(), err)
		}
		for range 2 {
			answer, err := httpGet("http://" + addr + "/")
			if err != nil || !strings.Contains(answer, "kubia") {
				t.Errorf("GET through the forward: %q, %v", answer, err)
			}
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("port-forward ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("port-forward did not end when cancelled")
		}
	})
}

// kctlIn is kctl with stdin.
func (c *cluster) kctlIn(stdin string, args ...string) (stdout, stderr string, code int) {
	var out, errOut strings.Builder
	cmd := kctl.NewRootCommand(strings.NewReader(stdin), &out, &errOut)
	cmd.SetArgs(append([]string{"--kubeconfig", c.file(pki.AdminKubeconfig)}, args...))
	code = kctl.Execute(cmd)
	return out.String(), errOut.String(), code
}

// execWebSocket runs command with a terminal of width×height over a
// WebSocket, as `kubectl exec -t` does from a terminal (which a test
// does not have), and returns the terminal's output and the final Status.
func (c *cluster) execWebSocket(t *testing.T, pod string, command []string, width, height uint16) (string, api.Status) {
	t.Helper()
	cfg, err := client.FromKubeconfig(c.file(pki.AdminKubeconfig), "")
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"container": {"shell"}, "command": command, "stdin": {"true"}, "stdout": {"true"}, "tty": {"true"}}
	u := "wss" + strings.TrimPrefix(cfg.Server, "https") + "/api/v1/namespaces/default/pods/" + pod + "/exec?" + q.Encode()
	d := websocket.Dialer{TLSClientConfig: cfg.TLS, Subprotocols: []string{"v5.channel.k8s.io"}, HandshakeTimeout: 10 * time.Second}
	ws, resp, err := d.Dial(u, http.Header{})
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	defer ws.Close()
	size, _ := json.Marshal(map[string]uint16{"Width": width, "Height": height})
	ws.WriteMessage(websocket.BinaryMessage, append([]byte{4}, size...))
	var out, status strings.Builder
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			break
		}
		switch msg[0] {
		case 1:
			out.Write(msg[1:])
		case 3:
			status.Write(msg[1:])
		}
	}
	var st api.Status
	json.Unmarshal([]byte(status.String()), &st)
	return out.String(), st
}
