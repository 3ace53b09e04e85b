package kctl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// logsOptions are the flags of kctl logs.
type logsOptions struct {
	container      string
	follow         bool
	tail           int
	tailSet        bool
	previous       bool
	selector       string
	prefix         bool
	maxLogRequests int
}

// selectorTail is how many lines of each pod logs -l prints unless --tail
// says otherwise, as in kubectl: a selector may match many pods.
const selectorTail = 10

func newLogsCommand(g *globals) *cobra.Command {
	var o logsOptions
	cmd := &cobra.Command{
		Use:   "logs [-f] [-c CONTAINER] [--tail N] [--previous] (POD | -l SELECTOR)",
		Short: "Print the logs of a container in a pod",
		Long: "Logs prints what a container of a pod wrote to its stdout and stderr. The apiserver\n" +
			"passes the request on to the kubelet of the pod's node, which reads the log from the\n" +
			"container runtime. A pod with one container needs no -c. With -l, it prints the logs\n" +
			"of every matching pod in turn (the last 10 lines of each unless --tail says otherwise),\n" +
			"or with -f follows them all at once.",
		Example: "  kctl logs kubia\n  kctl logs -f kubia -c app\n  kctl logs kubia --previous   # the run before the last restart\n" +
			"  kctl logs --tail 20 pod/kubia\n  kctl logs -l app=kubia --prefix",
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.tailSet = cmd.Flags().Changed("tail")
			return runLogs(cmd.Context(), g, args, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.container, "container", "c", "", "the container to print the logs of (default: the pod's only one)")
	f.BoolVarP(&o.follow, "follow", "f", false, "keep printing what the container writes")
	f.IntVar(&o.tail, "tail", -1, "print only the last N lines (-1: all; with a selector the default is 10)")
	f.BoolVarP(&o.previous, "previous", "p", false, "print the logs of the container's run before the last restart")
	f.StringVarP(&o.selector, "selector", "l", "", "print the logs of the pods matching this label selector")
	f.BoolVar(&o.prefix, "prefix", false, "begin each line with where it comes from: [pod/NAME/CONTAINER]")
	f.IntVar(&o.maxLogRequests, "max-log-requests", 5, "with -l and -f, the most logs to follow at once")
	return cmd
}

func runLogs(ctx context.Context, g *globals, args []string, o logsOptions) error {
	if err := o.complete(args); err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	out := &logWriter{w: g.out}
	if o.selector == "" && !o.prefix {
		name, err := podArg(args[0])
		if err != nil {
			return err
		}
		// The kubelet picks the container, or says which to choose.
		return copyLog(ctx, c, podsPath(g, name, "log")+logQuery(o, o.container), out, "")
	}
	pods, err := logPods(ctx, g, c, args, o.selector)
	if err != nil || len(pods) == 0 {
		return err
	}
	var sources []logSource
	for _, p := range pods {
		ctr, err := logContainer(g, p, o.container)
		if err != nil {
			return err
		}
		sources = append(sources, logSource{pod: p.Name, container: ctr})
	}
	if o.follow && len(sources) > 1 {
		if len(sources) > o.maxLogRequests {
			return fmt.Errorf("you are attempting to follow %d log streams, but maximum allowed concurrency is %d, use --max-log-requests to increase the limit",
				len(sources), o.maxLogRequests)
		}
		return followLogs(ctx, g, c, out, sources, o)
	}
	for _, s := range sources { // one after the other, as kubectl prints them
		if err := copyLog(ctx, c, podsPath(g, s.pod, "log")+logQuery(o, s.container), out, linePrefix(s, o.prefix)); err != nil {
			return err
		}
	}
	return nil
}

// complete checks the arguments as kubectl does, takes the container of
// the POD CONTAINER form, and sets the selector's default --tail.
func (o *logsOptions) complete(args []string) error {
	switch {
	case len(args) == 0 && o.selector == "":
		return errors.New("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'. POD or TYPE/NAME is a required argument for the logs command")
	case len(args) > 0 && o.selector != "":
		return errors.New("only a selector (-l) or a POD name is allowed")
	case len(args) == 2 && o.container != "":
		return errors.New("only one of -c or an inline [CONTAINER] arg is allowed")
	case len(args) == 2:
		o.container = args[1]
	}
	if o.tail < -1 {
		return errors.New("--tail must be greater than or equal to -1")
	}
	if o.selector != "" && !o.tailSet {
		o.tail = selectorTail
	}
	return nil
}

// logSource is one container whose log is printed.
type logSource struct{ pod, container string }

// logPods finds the pods of a logs command: the named one, or those the
// selector matches. None matching is no error, as in kubectl.
func logPods(ctx context.Context, g *globals, c *client.Client, args []string, selector string) ([]*api.Pod, error) {
	res := mustLookup("pods")
	rc := c.Resource(res).Namespace(namespaceFor(res, g.namespace))
	if selector == "" {
		name, err := podArg(args[0])
		if err != nil {
			return nil, err
		}
		obj, err := rc.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		return []*api.Pod{obj.(*api.Pod)}, nil
	}
	objs, _, err := rc.List(ctx, client.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		fmt.Fprintf(g.errOut, "No resources found in %s namespace.\n", g.namespace)
	}
	pods := make([]*api.Pod, len(objs))
	for i, o := range objs {
		pods[i] = o.(*api.Pod)
	}
	return pods, nil
}

// defaultContainerAnnotation names the container kubectl logs and exec
// pick in a pod of several when none is asked for.
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// logContainer picks the container of p to read, as kubectl does for each
// pod of a selector: the one asked for, else the pod's default-container
// annotation, else its first container, saying so when there was a
// choice.
func logContainer(g *globals, p *api.Pod, asked string) (string, error) {
	if asked == "" {
		if d := p.Annotations[defaultContainerAnnotation]; d != "" {
			if hasContainer(p, d) {
				return d, nil
			}
			fmt.Fprintf(g.errOut, "Default container name %q not found in pod %s\n", d, p.Name)
		}
		if len(p.Spec.Containers) == 0 {
			return "", fmt.Errorf("pod %s has no containers", p.Name)
		}
		asked = p.Spec.Containers[0].Name
		if len(p.Spec.Containers) > 1 || len(p.Spec.InitContainers) > 0 {
			fmt.Fprintf(g.errOut, "Defaulted container %q out of: %s\n", asked, allContainerNames(p))
		}
	}
	if !hasContainer(p, asked) {
		return "", fmt.Errorf("container %s is not valid for pod %s out of: %s", asked, p.Name, allContainerNames(p))
	}
	return asked, nil
}

func hasContainer(p *api.Pod, name string) bool {
	for _, cs := range [][]api.Container{p.Spec.Containers, p.Spec.InitContainers} {
		for _, c := range cs {
			if c.Name == name {
				return true
			}
		}
	}
	return false
}

// allContainerNames lists a pod's containers as kubectl does: app
// containers, then init containers marked (init).
func allContainerNames(p *api.Pod) string {
	var names []string
	for _, c := range p.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range p.Spec.InitContainers {
		names = append(names, c.Name+" (init)")
	}
	return strings.Join(names, ", ")
}

// logQuery is the query of a log request.
func logQuery(o logsOptions, container string) string {
	q := url.Values{}
	if container != "" {
		q.Set("container", container)
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
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// copyLog streams one log to out, a line at a time, until it ends or the
// user interrupts. prefix goes before each line.
func copyLog(ctx context.Context, c *client.Client, path string, out *logWriter, prefix string) error {
	body, err := c.Stream(ctx, path)
	if err != nil {
		return err
	}
	defer body.Close()
	r := bufio.NewReader(body)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if werr := out.write(prefix, line); werr != nil {
				return werr
			}
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil && ctx.Err() != nil:
			return nil // Ctrl-C ends a follow; that is no error
		case err != nil:
			return fmt.Errorf("reading the log: %w", err)
		}
	}
}

// logWriter writes whole lines of one or more logs to one writer: the
// lines of logs followed at once interleave, but never mix.
type logWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (lw *logWriter) write(prefix string, line []byte) error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	_, err := io.WriteString(lw.w, prefix+string(line))
	return err
}

// linePrefix is what --prefix puts before each line of a log.
func linePrefix(s logSource, prefix bool) string {
	if !prefix {
		return ""
	}
	return fmt.Sprintf("[pod/%s/%s] ", s.pod, s.container)
}

// followLogs follows several logs at once, as kubectl does for -l -f:
// lines interleave as they come. The first failure ends them all.
func followLogs(ctx context.Context, g *globals, c *client.Client, out *logWriter, sources []logSource, o logsOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(sources))
	var wg sync.WaitGroup
	for _, s := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := copyLog(ctx, c, podsPath(g, s.pod, "log")+logQuery(o, s.container), out, linePrefix(s, o.prefix)); err != nil {
				errs <- err
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs // nil when none failed
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
