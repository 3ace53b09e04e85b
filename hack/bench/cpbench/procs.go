package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is one part of the cluster running as a child process.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when it has exited
	err  error         // why, once done
	log  *os.File      // its stderr, kept to show when it fails
}

// start runs bin with args as the part name, its stderr into a file in
// dir. stdout, if not nil, gets the child's standard output.
func start(dir, name, bin string, args []string, stdout io.Writer) (*proc, error) {
	logFile, err := os.Create(fmt.Sprintf("%s/%s.log", dir, name))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = stdout, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), log: logFile}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// stop ends the process: SIGTERM, then SIGKILL after a few seconds.
func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	p.log.Close()
}

// exited says why the process ended, with the end of its log, or nil
// while it runs.
func (p *proc) exited() error {
	select {
	case <-p.done:
	default:
		return nil
	}
	tail, _ := os.ReadFile(p.log.Name())
	if len(tail) > 2000 {
		tail = tail[len(tail)-2000:]
	}
	return fmt.Errorf("%s exited (%v):\n%s", p.name, p.err, tail)
}

// cpu is the CPU time, user and system, the process has used so far.
func (p *proc) cpu() (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// count the fields after its closing parenthesis.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(fields) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64) // field 14 of the whole line
	stime, err2 := strconv.ParseInt(fields[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// clockTicks is the unit of /proc's CPU times, sysconf(_SC_CLK_TCK),
// which is 100 on every Linux that Go runs on.
const clockTicks = 100

// readLine waits for the child to print a line starting with prefix on
// out, and returns the rest of it.
func readLine(ctx context.Context, out io.Reader, prefix string, p *proc) (string, error) {
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				lines <- rest
				io.Copy(io.Discard, out)
				return
			}
		}
		close(lines)
	}()
	select {
	case line, ok := <-lines:
		if !ok {
			select {
			case <-p.done:
			case <-time.After(5 * time.Second):
			}
			return "", fmt.Errorf("%s ended its output before %q: %v", p.name, prefix, p.exited())
		}
		return line, nil
	case <-ctx.Done():
		return "", fmt.Errorf("%s did not say %q: %w", p.name, prefix, ctx.Err())
	}
}
