package compat

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// What a student does with a running pod, with the real kubectl and
// default flags, on a node that runs it on Docker: logs (-c, -f), exec
// with and without a terminal, cp both ways, and port-forward. exec and
// port-forward go over kubectl's default WebSocket protocols, and again
// over SPDY, which kubectl falls back to against older servers.
func TestKubectlOnADockerNode(t *testing.T) {
	needDockerNode(t)
	mustKubectl(t, "create", "namespace", "docker")
	defer kubectl(t, "", "delete", "namespace", "docker", "--wait=false")
	k := func(t *testing.T, args ...string) string {
		t.Helper()
		return mustKubectl(t, append([]string{"-n", "docker"}, args...)...)
	}
	manifest, _ := filepath.Abs(filepath.Join("testdata", "talk.yaml"))
	k(t, "apply", "-f", manifest)
	k(t, "wait", "--for=condition=Ready", "pod/talk", "--timeout=90s")

	t.Run("logs -c", func(t *testing.T) {
		eventually(t, "the counter's first lines", func() error {
			if out := k(t, "logs", "talk", "-c", "counter"); !strings.HasPrefix(out, "line 1\nline 2\n") {
				return fmt.Errorf("logs -c counter: %q", out)
			}
			return nil
		})
		// Without -c kubectl picks the first container and says so.
		out, errOut, err := kubectl(t, "", "-n", "docker", "logs", "talk")
		if err != nil || !strings.HasPrefix(out, "line 1\n") || !strings.Contains(errOut, `Defaulted container "counter" out of: counter, web`) {
			t.Errorf("logs without -c (%v): %q %q", err, out, errOut)
		}
	})
	t.Run("logs -f", func(t *testing.T) {
		// Following shows lines written after kubectl started: the
		// counter writes one every 0.2 s.
		start := lastLine(t, k(t, "logs", "talk", "-c", "counter", "--tail=1"))
		out := startKubectl(t, nil, "-n", "docker", "logs", "-f", "talk", "-c", "counter", "--tail=1")
		if _, err := out.waitFor(regexp.MustCompile(`line (\d+)\n`), 20*time.Second, func(m []string) bool {
			n, _ := strconv.Atoi(m[1])
			return n >= start+5
		}); err != nil {
			t.Errorf("logs -f from line %d: %v", start, err)
		}
	})
	for _, proto := range []struct{ name, gate string }{{"websocket", ""}, {"spdy", "KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false"}} {
		env := gates(proto.gate)
		t.Run("exec over "+proto.name, func(t *testing.T) {
			out, errOut, err := kubectlEnv(t, env, "", "-n", "docker", "exec", "talk", "-c", "counter", "--",
				"sh", "-c", "echo out; echo err >&2; exit 3")
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 3 {
				t.Errorf("exec: %v, want exit code 3\n%s%s", err, out, errOut)
			}
			if out != "out\n" || !strings.HasPrefix(errOut, "err\n") {
				t.Errorf("exec: stdout %q, stderr %q: want them apart", out, errOut)
			}
			out, errOut, err = kubectlEnv(t, env, "a line on stdin\n", "-n", "docker", "exec", "-i", "talk", "-c", "counter", "--", "cat")
			if err != nil || out != "a line on stdin\n" {
				t.Errorf("exec -i cat (%v): %q %q", err, out, errOut)
			}
		})
		t.Run("exec -it over "+proto.name, func(t *testing.T) {
			execTerminal(t, env)
		})
	}
	t.Run("cp", func(t *testing.T) {
		dir := t.TempDir()
		in, back := filepath.Join(dir, "in.txt"), filepath.Join(dir, "back.txt")
		content := "copied by kubectl cp\n" + strings.Repeat("0123456789", 1000) + "\n"
		if err := os.WriteFile(in, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		k(t, "cp", in, "talk:/tmp/in.txt", "-c", "counter")
		if out := k(t, "exec", "talk", "-c", "counter", "--", "cat", "/tmp/in.txt"); out != content {
			t.Errorf("the pod's copy differs: %d bytes, want %d", len(out), len(content))
		}
		k(t, "cp", "talk:/tmp/in.txt", back, "-c", "counter")
		if got, err := os.ReadFile(back); err != nil || string(got) != content {
			t.Errorf("copied back (%v): %d bytes, want %d", err, len(got), len(content))
		}
	})
	for _, proto := range []struct{ name, gate string }{{"websocket", ""}, {"spdy", "KUBECTL_PORT_FORWARD_WEBSOCKETS=false"}} {
		t.Run("port-forward over "+proto.name, func(t *testing.T) {
			addr, err := freeAddr()
			if err != nil {
				t.Fatal(err)
			}
			_, port, _ := strings.Cut(addr, ":")
			out := startKubectl(t, gates(proto.gate), "-n", "docker", "port-forward", "pod/talk", port+":http")
			if _, err := out.waitFor(regexp.MustCompile(`Forwarding from 127\.0\.0\.1:\d+ -> 8080\n`), 20*time.Second, nil); err != nil {
				t.Fatal(err)
			}
			for i := range 3 { // each request a new connection, a new stream pair
				body, err := get("http://" + addr + "/")
				if err != nil || !strings.HasPrefix(body, "You've hit talk ") {
					t.Errorf("request %d through the forwarded port (%v): %q\n%s", i, err, body, out)
				}
			}
			if _, err := out.waitFor(regexp.MustCompile(`Handling connection for \d+\n`), 5*time.Second, nil); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("delete", func(t *testing.T) {
		k(t, "delete", "-f", manifest) // waits for the pod to be gone
		if out, _, err := kubectl(t, "", "-n", "docker", "get", "pod", "talk"); err == nil {
			t.Errorf("the pod is still there after delete:\n%s", out)
		}
	})
}

// execTerminal runs `kubectl exec -it` under a terminal of 40 rows and
// 100 columns, types into the pod's shell, and checks that the shell saw
// a terminal of that size and that kubectl ends with the shell's exit
// code.
func execTerminal(t *testing.T, env []string) {
	cmd := exec.Command(filepath.Join(binDir, "kubectl"), "-n", "docker", "exec", "-it", "talk", "-c", "counter", "--", "sh")
	cmd.Env = append(append(os.Environ(), "KUBECONFIG="+adminConf, "KUBECACHEDIR="+cacheDir, "HOME="+filepath.Dir(cacheDir), "TERM=dumb"), env...)
	term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	out := &output{}
	go out.copy(term)
	var waited error
	done := make(chan struct{})
	go func() { waited = cmd.Wait(); close(done) }()
	defer func() {
		cmd.Process.Kill()
		<-done
	}()
	// The shell's answers, not the echo of what was typed: the typed
	// lines hold no "=" after a digit.
	if _, err := term.Write([]byte("echo tty=$(tty | cut -c1-8) size=$(stty size | tr ' ' x) sum=$((6*7))\r")); err != nil {
		t.Fatal(err)
	}
	if _, err := out.waitFor(regexp.MustCompile(`tty=/dev/pts size=40x100 sum=42`), 20*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	term.Write([]byte("exit 7\r"))
	select {
	case <-done:
		var exit *exec.ExitError
		if !errors.As(waited, &exit) || exit.ExitCode() != 7 {
			t.Errorf("kubectl exec -it ended with %v, want exit code 7\n%s", waited, out)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("kubectl exec -it did not end after exit 7\n%s", out)
	}
}

// gates is the environment that turns one of kubectl's feature gates off,
// or none for "".
func gates(gate string) []string {
	if gate == "" {
		return nil
	}
	return []string{gate}
}

// startKubectl starts kubectl in the background and returns its
// combined output as it comes; the process is killed when the test ends.
func startKubectl(t *testing.T, env []string, args ...string) *output {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "kubectl"), args...)
	cmd.Env = append(append(os.Environ(), "KUBECONFIG="+adminConf, "KUBECACHEDIR="+cacheDir, "HOME="+filepath.Dir(cacheDir)), env...)
	out := &output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return out
}

// output collects what a process writes, for tests that wait on it.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) copy(r io.Reader) { io.Copy(o, r) }

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor waits until the output has a match of re that ok accepts (any
// match, for a nil ok), and returns it.
func (o *output) waitFor(re *regexp.Regexp, within time.Duration, ok func([]string) bool) ([]string, error) {
	deadline := time.Now().Add(within)
	for {
		for _, m := range re.FindAllStringSubmatch(o.String(), -1) {
			if ok == nil || ok(m) {
				return m, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no %q within %s in:\n%s", re, within, o)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lastLine reads N from the last "line N" of the counter's output.
func lastLine(t *testing.T, logs string) int {
	t.Helper()
	var n int
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "line %d", &n); err != nil {
			t.Fatalf("not a counter line: %q", sc.Text())
		}
	}
	return n
}

// get GETs url with a short timeout and returns the body.
func get(url string) (string, error) {
	cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := cl.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
