package runtime

import (
	"context"
	"io"
)

// TerminalSize is a terminal's size in characters, as a client sends it
// on the resize channel whenever its own window changes (Kubernetes'
// remotecommand.TerminalSize).
type TerminalSize struct {
	Width  uint16
	Height uint16
}

// Streams are the standard streams of an interactive exec or attach, as
// a client of `kubectl exec -it` or `kubectl attach` holds them.
type Streams struct {
	// Stdin is copied to the process until it ends; nil: no stdin.
	Stdin io.Reader
	// Stdout and Stderr get what the process prints; nil discards. With
	// TTY the terminal's one stream goes to Stdout and Stderr is unused,
	// as in a terminal.
	Stdout, Stderr io.Writer
	// TTY gives the process a terminal.
	TTY bool
	// Resize carries the client's terminal size, first and after each
	// change; nil without a TTY. The runtime stops reading it when the
	// process ends.
	Resize <-chan TerminalSize
}

// Attacher runs interactive commands in containers and attaches to their
// main process: the kubelet's /exec and /attach endpoints (`kubectl exec
// -it`, `kubectl attach`). A runtime with processes implements it beside
// LogsExecer, whose Exec serves probes and runs without a terminal.
type Attacher interface {
	// ExecStreams runs cmd in the running container with s and returns
	// its exit code once it ended.
	ExecStreams(ctx context.Context, containerID string, cmd []string, s Streams) (int, error)
	// Attach connects s to the running container's main process until
	// it exits or ctx ends. Stdin reaches the process only if the
	// container was made with stdin (spec.containers[].stdin), and a
	// TTY only if it was made with one (tty).
	Attach(ctx context.Context, containerID string, s Streams) error
}
