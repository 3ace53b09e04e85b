package kctl

import (
	"fmt"

	"github.com/spf13/cobra"
)

// kctl's configuration is a server address (config.go), not a kubeconfig
// file. `kctl config view` shows it the way `kubectl config view` shows a
// kubeconfig, so that what a course does with the one (read the server
// with -o jsonpath='{.clusters[0].cluster.server}', check the context)
// works with the other: one cluster and one context, both named kubelab,
// and no users, since kubelab has no authentication yet.

// contextName names kctl's one cluster and context.
const contextName = "kubelab"

func newConfigCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config SUBCOMMAND",
		Short: "Show kctl's configuration: the server, as a kubeconfig",
		Long: "kctl's configuration is the apiserver's address: --server, else $KCTL_SERVER, else the\n" +
			"config file `make up` writes, else " + DefaultServer + ". config view shows it as\n" +
			"kubectl shows a kubeconfig.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newConfigViewCommand(g), newCurrentContextCommand(g))
	return cmd
}

func newConfigViewCommand(g *globals) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:     "view",
		Short:   "Show the configuration as a kubeconfig",
		Example: "  kctl config view\n  kctl config view --minify -o jsonpath='{.clusters[0].cluster.server}'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output == "" {
				output = formatYAML
			}
			p, err := newPrinter(output, "")
			if err != nil {
				return err
			}
			if p.format != formatYAML && p.format != formatJSON && p.jsonpath == nil {
				return fmt.Errorf("output format %q is not supported by config view: use yaml, json or jsonpath", output)
			}
			server, err := g.serverURL()
			if err != nil {
				return err
			}
			return p.printData(g.out, kubeconfigOf(server))
		},
	}
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", formatYAML, "output format: yaml, json, jsonpath=TEMPLATE or jsonpath-file=FILE")
	// kubectl's flags that narrow or reveal a kubeconfig; kctl's has one
	// context and no secrets, so they change nothing.
	f.Bool("minify", false, "show only the current context (kctl has only one)")
	f.Bool("raw", false, "show secrets too (kctl's config holds none)")
	f.Bool("flatten", false, "inline referenced files (kctl's config references none)")
	return cmd
}

func newCurrentContextCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "current-context",
		Short: "Print the name of the current context: " + contextName,
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if _, err := g.serverURL(); err != nil {
				return err
			}
			fmt.Fprintln(g.out, contextName)
			return nil
		},
	}
}

// kubeconfig is kubectl's clientcmd v1 Config, with what kctl has. The
// field order (for -o json) and the empty values are kubectl's, so that
// the output reads the same: users: null, user: "", preferences: {}.
type kubeconfig struct {
	Kind           string         `json:"kind"`
	APIVersion     string         `json:"apiVersion"`
	Preferences    struct{}       `json:"preferences"`
	Clusters       []namedCluster `json:"clusters"`
	Users          []namedUser    `json:"users"`
	Contexts       []namedContext `json:"contexts"`
	CurrentContext string         `json:"current-context"`
}

type namedCluster struct {
	Name    string `json:"name"`
	Cluster struct {
		Server string `json:"server"`
	} `json:"cluster"`
}

type namedContext struct {
	Name    string `json:"name"`
	Context struct {
		Cluster string `json:"cluster"`
		User    string `json:"user"`
	} `json:"context"`
}

// namedUser stands for kubectl's users, of which kctl has none.
type namedUser struct {
	Name string `json:"name"`
}

func kubeconfigOf(server string) kubeconfig {
	c := kubeconfig{APIVersion: "v1", Kind: "Config", CurrentContext: contextName}
	var cl namedCluster
	cl.Name, cl.Cluster.Server = contextName, server
	var ctx namedContext
	ctx.Name, ctx.Context.Cluster = contextName, contextName
	c.Clusters, c.Contexts = []namedCluster{cl}, []namedContext{ctx}
	return c
}
