package docker

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// Interactive exec: stdin, a terminal that takes the client's size, and
// the exit code.
func TestExecStreams(t *testing.T) {
	r := testRuntime(t)
	ctx := t.Context()
	pod := newPod("interactive")
	sandbox := runSandbox(t, r, pod)
	id := start(t, r, pod, sandbox, api.Container{Name: "sh", Image: toolboxImage, Command: []string{"sleep", "3600"}})

	sized := func(w, h uint16) <-chan runtime.TerminalSize {
		c := make(chan runtime.TerminalSize, 1)
		c <- runtime.TerminalSize{Width: w, Height: h}
		return c
	}
	tests := []struct {
		name             string
		cmd              []string
		stdin            string
		tty              bool
		resize           <-chan runtime.TerminalSize
		wantCode         int
		wantOut, wantErr string // with a TTY: a part of stdout
	}{
		{name: "stdin to cat", cmd: []string{"cat"}, stdin: "typed\n", wantOut: "typed\n"},
		{name: "stderr apart, exit code", cmd: []string{"sh", "-c", "echo oops >&2; exit 7"}, wantCode: 7, wantErr: "oops\n"},
		// Engines before API 1.42 start the command at size 0x0 and take
		// the client's size a moment later: the command waits for it.
		{name: "a terminal of the client's size", cmd: []string{"sh", "-c", "sleep 0.3; stty size; tty"}, tty: true,
			resize: sized(123, 45), wantOut: "45 123"},
		{name: "a terminal sees its input", cmd: []string{"sh", "-c", "read line; echo got $line"}, stdin: "hello\n", tty: true,
			wantOut: "got hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			s := runtime.Streams{Stdout: &stdout, Stderr: &stderr, TTY: tt.tty, Resize: tt.resize}
			if tt.stdin != "" {
				s.Stdin = strings.NewReader(tt.stdin)
			}
			code, err := r.ExecStreams(ctx, id, tt.cmd, s)
			okOut := stdout.String() == tt.wantOut
			if tt.tty {
				okOut = strings.Contains(stdout.String(), tt.wantOut)
			}
			if err != nil || code != tt.wantCode || !okOut || stderr.String() != tt.wantErr {
				t.Errorf("ExecStreams = %d, %v, stdout %q, stderr %q; want %d, stdout %q, stderr %q",
					code, err, stdout.String(), stderr.String(), tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}

// Attach reaches the main process: what it prints from now on, and its
// stdin when the container keeps one open.
func TestAttach(t *testing.T) {
	r := testRuntime(t)
	ctx := t.Context()
	pod := newPod("attach")
	sandbox := runSandbox(t, r, pod)
	id := start(t, r, pod, sandbox, api.Container{Name: "echo", Image: toolboxImage, Stdin: true,
		Command: []string{"sh", "-c", "while read line; do echo echoed $line; done"}})

	pr, pw := io.Pipe()
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- r.Attach(ctx, id, runtime.Streams{Stdin: pr, Stdout: out, Stderr: io.Discard}) }()
	io.WriteString(pw, "one\n")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "echoed one") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	pw.Close() // the main process reads EOF and exits, which ends the attach
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Attach: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Attach did not end when the process exited")
	}
	if got := out.String(); got != "echoed one\n" {
		t.Errorf("attached output %q, want %q", got, "echoed one\n")
	}
}

// lockedBuffer is a buffer written by the attach and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
