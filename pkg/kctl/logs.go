package kctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
)

// logsOptions are the flags of kctl logs.
type logsOptions struct {
	container string
	follow    bool
	tail      int
	previous  bool
}

func newLogsCommand(g *globals) *cobra.Command {
	var o logsOptions
	cmd := &cobra.Command{
		Use:   "logs [-f] [-c CONTAINER] [--tail N] [--previous] POD",
		Short: "Print the logs of a container in a pod",
		Long: "Logs prints what a container of a pod wrote to its stdout and stderr. The apiserver\n" +
			"passes the request on to the kubelet of the pod's node, which reads the log from the\n" +
			"container runtime. A pod with one container needs no -c.",
		Example: "  kctl logs kubia\n  kctl logs -f kubia -c app\n  kctl logs kubia --previous   # the run before the last restart\n  kctl logs --tail 20 pod/kubia",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogs(cmd.Context(), g, args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.container, "container", "c", "", "the container to print the logs of (default: the pod's only one)")
	f.BoolVarP(&o.follow, "follow", "f", false, "keep printing what the container writes")
	f.IntVar(&o.tail, "tail", -1, "print only the last N lines (-1: all)")
	f.BoolVarP(&o.previous, "previous", "p", false, "print the logs of the container's run before the last restart")
	return cmd
}

func runLogs(ctx context.Context, g *globals, arg string, o logsOptions) error {
	name, err := podArg(arg)
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	q := url.Values{}
	if o.container != "" {
		q.Set("container", o.container)
	}
	if o.follow {
		q.Set("follow", "true")
	}
	if o.tail >= 0 {
		q.Set("tailLines", strconv.Itoa(o.tail))
	}
	if o.previous {
		q.Set("previous", "true")
	}
	path := podsPath(g, name, "log")
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	body, err := c.Stream(ctx, path)
	if err != nil {
		return err
	}
	defer body.Close()
	if _, err := io.Copy(g.out, body); err != nil && ctx.Err() == nil {
		return fmt.Errorf("reading the log: %w", err)
	}
	return nil // Ctrl-C ends a follow; that is no error
}

// podArg takes the pod's name from NAME, pod/NAME or pods/NAME.
func podArg(arg string) (string, error) {
	kind, name, ok := strings.Cut(arg, "/")
	if !ok {
		name, kind = kind, "pod"
	}
	if kind != "pod" && kind != "pods" && kind != "po" {
		return "", fmt.Errorf("%s: only pods have logs and can run commands", arg)
	}
	if name == "" {
		return "", errors.New("a pod name is required")
	}
	return name, nil
}

// podsPath is the path of a subresource of pod name in the namespace of
// the command.
func podsPath(g *globals, name, sub string) string {
	pods, _ := api.Lookup("pods")
	return pods.Path(namespaceFor(pods, g.namespace), name) + "/" + sub
}
