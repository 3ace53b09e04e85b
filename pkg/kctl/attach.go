package kctl

import (
	"fmt"
	"net/url"

	"github.com/spf13/cobra"
)

func newAttachCommand(g *globals) *cobra.Command {
	var container string
	var stdin, tty, quiet bool
	cmd := &cobra.Command{
		Use:   "attach POD [-c CONTAINER] [-i] [-t]",
		Short: "Attach to the main process of a running container",
		Long: "Attach connects to the process a container runs (not a new one, as exec starts):\n" +
			"its output from now on, and with -i its stdin, which the container must keep open\n" +
			"(spec.containers[].stdin). -t needs a container made with a terminal (tty).",
		Example: "  kctl attach kubia\n  kctl attach -it shell -c main",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := podArg(args[0])
			if err != nil {
				return err
			}
			s := g.terminal(stdin, tty, quiet)
			if s.tty && !quiet {
				fmt.Fprintln(g.errOut, "If you don't see a command prompt, try pressing enter.")
			}
			q := url.Values{}
			if container != "" {
				q.Set("container", container)
			}
			return runStreams(cmd.Context(), g, podsPath(g, name, "attach"), q, s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&container, "container", "c", "", "the container to attach to (default: the pod's only one)")
	f.BoolVarP(&stdin, "stdin", "i", false, "pass stdin to the container")
	f.BoolVarP(&tty, "tty", "t", false, "stdin is a terminal")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only what the container prints")
	return cmd
}
