package kctl

import (
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newExecCommand(g *globals) *cobra.Command {
	var container string
	var stdin, tty, quiet bool
	cmd := &cobra.Command{
		Use:   "exec POD [-c CONTAINER] [-i] [-t] -- COMMAND [ARGS...]",
		Short: "Run a command in a container of a pod",
		Long: "Exec runs a command in a running container, as kubectl exec does: over a WebSocket\n" +
			"(v5.channel.k8s.io) that the apiserver passes through to the kubelet of the pod's\n" +
			"node. -i passes stdin to the command, -t gives it a terminal; kctl exits with the\n" +
			"command's exit code.",
		Example: "  kctl exec kubia -- ls /\n  kctl exec -it kubia -- sh\n  echo hi | kctl exec -i kubia -- cat",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pod, command := args[0], args[1:]
			if dash := cmd.ArgsLenAtDash(); dash > 1 {
				return fmt.Errorf("exactly one pod before --, got %q", args[:dash])
			}
			if len(command) == 0 {
				return errors.New("you must specify at least one command for the container")
			}
			name, err := podArg(pod)
			if err != nil {
				return err
			}
			s := g.terminal(stdin, tty, quiet)
			q := url.Values{"command": command}
			if container != "" {
				q.Set("container", container)
			}
			return runStreams(cmd.Context(), g, podsPath(g, name, "exec"), q, s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&container, "container", "c", "", "the container to run the command in (default: the pod's only one)")
	f.BoolVarP(&stdin, "stdin", "i", false, "pass stdin to the command")
	f.BoolVarP(&tty, "tty", "t", false, "give the command a terminal (stdin must be one)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only what the command prints")
	return cmd
}

// terminal decides which streams a session carries. A terminal needs
// one at this end: without it kctl says so, as kubectl does, and goes on
// without.
func (g *globals) terminal(stdin, tty, quiet bool) streamOptions {
	s := streamOptions{stdout: g.out, stderr: g.errOut}
	if stdin {
		s.stdin = g.in
	}
	if tty {
		f, ok := g.in.(*os.File)
		if !stdin || !ok || !term.IsTerminal(int(f.Fd())) {
			if !quiet {
				fmt.Fprintln(g.errOut, "Unable to use a TTY - input is not a terminal or the right kind of file")
			}
		} else {
			s.tty, s.term = true, f
		}
	}
	return s
}

// exitError is a command's non-zero exit code: kctl prints it as kubectl
// does and exits with it (Execute).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("command terminated with exit code %d", int(e)) }

// ExitCode is what kctl exits with.
func (e exitError) ExitCode() int { return int(e) }
