package docker

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"kubelab/pkg/kubelet/runtime"
)

var _ runtime.Attacher = (*Runtime)(nil)

// ExecStreams runs cmd in the running container as `docker exec -i -t`
// does: stdin is copied in until the client closes it, the output comes
// back raw with a TTY (one stream) or as stdout and stderr frames
// without, and each terminal size the client sends resizes the exec's
// terminal. It returns the command's exit code once it exited.
func (r *Runtime) ExecStreams(ctx context.Context, containerID string, cmd []string, s runtime.Streams) (int, error) {
	size := firstSize(s)
	exec, err := r.docker.ExecCreate(ctx, dockerID(containerID), client.ExecCreateOptions{
		Cmd:          cmd,
		TTY:          s.TTY,
		ConsoleSize:  size,
		AttachStdin:  s.Stdin != nil,
		AttachStdout: true,
		AttachStderr: !s.TTY,
	})
	if err != nil {
		return -1, fmt.Errorf("exec: %w", err)
	}
	att, err := r.docker.ExecAttach(ctx, exec.ID, client.ExecAttachOptions{TTY: s.TTY, ConsoleSize: size})
	if err != nil {
		return -1, fmt.Errorf("exec: %w", err)
	}
	resize := func(size runtime.TerminalSize) error {
		_, err := r.docker.ExecResize(ctx, exec.ID, client.ExecResizeOptions{Width: uint(size.Width), Height: uint(size.Height)})
		return err
	}
	if size.Width != 0 || size.Height != 0 { // again, for an engine that ignored ConsoleSize
		_ = resize(runtime.TerminalSize{Width: uint16(size.Width), Height: uint16(size.Height)})
	}
	if err := r.copyStreams(ctx, att.HijackedResponse, s, s.TTY, resize); err != nil {
		return -1, fmt.Errorf("exec: %w", err)
	}
	return r.execExitCode(ctx, exec.ID)
}

// firstSize waits a moment for the client's terminal size, which it
// sends as soon as it connected, so that the command starts with it: a
// resize after the start races with a command that asks for its size at
// once (`stty size`). Docker engines before API 1.42 ignore it, and only
// the resize that follows applies.
func firstSize(s runtime.Streams) client.ConsoleSize {
	if !s.TTY || s.Resize == nil {
		return client.ConsoleSize{}
	}
	select {
	case size := <-s.Resize:
		return client.ConsoleSize{Width: uint(size.Width), Height: uint(size.Height)}
	case <-time.After(100 * time.Millisecond):
		return client.ConsoleSize{}
	}
}

// Attach connects s to the container's main process, as `docker attach`
// does. Whether its output is one raw stream or stdout and stderr frames
// is the container's (Config.Tty), not the client's choice.
func (r *Runtime) Attach(ctx context.Context, containerID string, s runtime.Streams) error {
	id := dockerID(containerID)
	info, err := r.docker.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	tty := info.Container.Config != nil && info.Container.Config.Tty
	openStdin := info.Container.Config != nil && info.Container.Config.OpenStdin
	if !openStdin {
		s.Stdin = nil
	}
	att, err := r.docker.ContainerAttach(ctx, id, client.ContainerAttachOptions{
		Stream: true, Stdin: s.Stdin != nil, Stdout: true, Stderr: true,
	})
	if err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	resize := func(size runtime.TerminalSize) error {
		_, err := r.docker.ContainerResize(ctx, id, client.ContainerResizeOptions{Width: uint(size.Width), Height: uint(size.Height)})
		return err
	}
	if err := r.copyStreams(ctx, att.HijackedResponse, s, tty, resize); err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	return nil
}

// copyStreams joins a hijacked Docker stream to s until the process's
// output ends (it exited) or ctx ends. Stdin goes in and is half-closed
// at its end, so that a `cat` sees EOF (a terminal gets ^D instead);
// sizes from s.Resize go to resize.
func (r *Runtime) copyStreams(ctx context.Context, att client.HijackedResponse, s runtime.Streams, tty bool, resize func(runtime.TerminalSize) error) error {
	defer att.Close()
	stop := context.AfterFunc(ctx, att.Close) // unblocks the copy below
	defer stop()
	done := make(chan struct{})
	defer close(done)
	if s.Resize != nil {
		go func() {
			for {
				select {
				case <-done:
					return
				case size, ok := <-s.Resize:
					if !ok {
						return
					}
					_ = resize(size) // a size the terminal refuses changes nothing
				}
			}
		}()
	}
	if s.Stdin != nil {
		go func() {
			_, _ = io.Copy(att.Conn, s.Stdin)
			if tty {
				// A terminal's end of input is a ^D; closing its input
				// would hang it up and lose what it has yet to print.
				_, _ = att.Conn.Write([]byte{4})
				return
			}
			_ = att.CloseWrite()
		}()
	}
	var err error
	if tty {
		_, err = io.Copy(orDiscard(s.Stdout), att.Reader) // a terminal has one stream
	} else {
		_, err = stdcopy.StdCopy(orDiscard(s.Stdout), orDiscard(s.Stderr), att.Reader)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// execExitCode waits for the exec's exit code: its stream ends when the
// command exits, and the engine may need a moment more to record it.
func (r *Runtime) execExitCode(ctx context.Context, execID string) (int, error) {
	for {
		res, err := r.docker.ExecInspect(ctx, execID, client.ExecInspectOptions{})
		if err != nil {
			return -1, fmt.Errorf("exec: %w", err)
		}
		if !res.Running {
			return res.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
