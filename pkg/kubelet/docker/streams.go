package docker

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Logs writes what the container printed, stdout and stderr interleaved as
// they came, to w: the last tail lines (tail < 0: all of them), and with
// follow, what it prints next until it exits or ctx ends. An exited
// container's log is still there until the container is removed.
func (r *Runtime) Logs(ctx context.Context, containerID string, follow bool, tail int, w io.Writer) error {
	id := dockerID(containerID)
	info, err := r.docker.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	opts := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow}
	if tail >= 0 {
		opts.Tail = strconv.Itoa(tail)
	}
	rc, err := r.docker.ContainerLogs(ctx, id, opts)
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	defer rc.Close()
	if info.Container.Config != nil && info.Container.Config.Tty {
		_, err = io.Copy(w, rc) // a terminal has one stream, as it came
	} else {
		_, err = stdcopy.StdCopy(w, w, rc) // frames tagged stdout or stderr
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("logs: %w", err)
	}
	return nil
}

// Exec runs cmd in the running container, as `docker exec` does without
// -it: stdin (may be nil) is copied to the command until it ends, the
// command's stdout and stderr to stdout and stderr (nil discards). It
// returns the command's exit code once it exited; a command that cannot
// start says why on stderr and exits 126 or 127, as in a shell.
func (r *Runtime) Exec(ctx context.Context, containerID string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	exec, err := r.docker.ExecCreate(ctx, dockerID(containerID), client.ExecCreateOptions{
		Cmd:          cmd,
		AttachStdin:  stdin != nil,
		AttachStdout: true,
		AttachStderr: true,
	})
	if err != nil {
		return -1, fmt.Errorf("exec: %w", err)
	}
	att, err := r.docker.ExecAttach(ctx, exec.ID, client.ExecAttachOptions{})
	if err != nil {
		return -1, fmt.Errorf("exec: %w", err)
	}
	defer att.Close()
	stop := context.AfterFunc(ctx, att.Close) // unblocks the copy below
	defer stop()
	if stdin != nil {
		go func() {
			_, _ = io.Copy(att.Conn, stdin)
			_ = att.CloseWrite() // the command sees EOF
		}()
	}
	if _, err := stdcopy.StdCopy(orDiscard(stdout), orDiscard(stderr), att.Reader); err != nil {
		if ctx.Err() != nil {
			return -1, ctx.Err()
		}
		return -1, fmt.Errorf("exec: %w", err)
	}
	return r.execExitCode(ctx, exec.ID)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
