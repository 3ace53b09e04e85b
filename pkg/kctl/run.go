package kctl

// kctl run makes one Pod from flags, the pod kubectl run's generator
// makes: one container named after the pod, label run=NAME unless
// --labels says otherwise, restartPolicy Always unless --restart, and the
// arguments after -- as the container's args (or, with --command, its
// command). kubectl's -i, -t, --rm and --expose are not here yet.

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
)

// runOptions are kctl run's flags.
type runOptions struct {
	image, labels, restart, pullPolicy string
	port                               int32
	env                                []string
	command                            bool
	out                                generatorFlags
}

func newRunCommand(g *globals) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run NAME --image=image [--env=\"key=value\"] [--port=port] [--dry-run=client] [--command] -- [COMMAND] [args...]",
		Short: "Run a particular image in a pod",
		Example: "  kctl run nginx --image=nginx --port=80\n" +
			"  kctl run hazelcast --image=hazelcast/hazelcast --env=\"DNS_DOMAIN=cluster\" --labels=\"app=hazelcast,env=prod\"\n" +
			"  kctl run nginx --image=nginx -- -g 'daemon off;'   # arguments for the image's entrypoint\n" +
			"  kctl run busybox --image=busybox --restart=Never --command -- sleep 3600",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 || cmd.ArgsLenAtDash() == 0 {
				return fmt.Errorf("NAME is required for run")
			}
			pod, err := newRunPod(g.generatedMeta(args[0]), o, args[1:])
			if err != nil {
				return err
			}
			return g.emitGenerated(cmd, o.out, "pods", pod, actionCreated)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.image, "image", "", "The image for the container to run.")
	f.Int32Var(&o.port, "port", -1, "The port that this container exposes.")
	f.StringVarP(&o.labels, "labels", "l", "", "Comma separated labels to apply to the pod. Will override previous values.")
	f.StringArrayVar(&o.env, "env", nil, "Environment variables to set in the container.")
	f.StringVar(&o.restart, "restart", "Always", "The restart policy for this Pod. Legal values [Always, OnFailure, Never].")
	f.StringVar(&o.pullPolicy, "image-pull-policy", "", "The image pull policy for the container: Always, IfNotPresent or Never.")
	f.BoolVar(&o.command, "command", false, "If true and extra arguments are present, use them as the 'command' field in the container, rather than the 'args' field which is the default.")
	o.out.addFlags(cmd)
	return cmd
}

// newRunPod builds kctl run's pod; rest is what followed NAME.
func newRunPod(meta api.ObjectMeta, o runOptions, rest []string) (*api.Pod, error) {
	if o.image == "" {
		return nil, fmt.Errorf("--image is required")
	}
	switch o.restart {
	case "Always", "OnFailure", "Never":
	default:
		return nil, fmt.Errorf("invalid restart policy: %s", o.restart)
	}
	meta.Labels = map[string]string{"run": meta.Name}
	if o.labels != "" {
		labels, err := parseKeyValues(strings.Split(o.labels, ","), "invalid label spec")
		if err != nil {
			return nil, err
		}
		meta.Labels = labels
	}
	c := api.Container{Name: meta.Name, Image: o.image, ImagePullPolicy: o.pullPolicy}
	if o.command {
		c.Command = rest
	} else {
		c.Args = rest
	}
	if o.port > 0 {
		c.Ports = []api.ContainerPort{{ContainerPort: o.port}}
	}
	for _, e := range o.env {
		k, v, ok := strings.Cut(e, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid env: %s", e)
		}
		c.Env = append(c.Env, api.EnvVar{Name: k, Value: v})
	}
	return &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: meta,
		Spec: api.PodSpec{
			Containers:    []api.Container{c},
			RestartPolicy: o.restart,
			DNSPolicy:     api.DNSClusterFirst,
		},
	}, nil
}

// parseKeyValues reads k=v pairs, as --labels and --selector take them.
func parseKeyValues(pairs []string, what string) (map[string]string, error) {
	m := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s: %s", what, p)
		}
		m[k] = v
	}
	return m, nil
}
