package kctl

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"kubelab/pkg/kubeconfig"
)

// kctl config shows and edits the kubeconfig kctl uses (config.go finds
// it), as kubectl config does:
//
//	view [--minify] [--raw] [-o …]   the file, its keys and tokens hidden
//	current-context                  the context kctl uses
//	get-contexts [NAME...]           a table of the contexts
//	use-context NAME                 make another context current
//	set-context NAME|--current …     change a context: its namespace, say
//
// Edits go through the file's generic form, not kubeconfig.Config, so
// that what kctl does not model (a user's exec plugin, extensions) is
// kept when kctl writes a kubeconfig of another cluster back.

func newConfigCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config SUBCOMMAND",
		Short: "Show and change the kubeconfig: its contexts, and the current one",
		Long: "config works on the kubeconfig kctl reads: --kubeconfig, else the first file of\n" +
			"$KUBECONFIG that exists, else .kubelab/admin.conf (make up writes it), else\n" +
			"~/.kube/config.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newConfigViewCommand(g), newCurrentContextCommand(g), newGetContextsCommand(g),
		newUseContextCommand(g), newSetContextCommand(g))
	return cmd
}

func newConfigViewCommand(g *globals) *cobra.Command {
	var output string
	var minified, raw bool
	cmd := &cobra.Command{
		Use:   "view",
		Short: "Show the kubeconfig, its keys and tokens hidden",
		Example: "  kctl config view\n  kctl config view --minify -o jsonpath='{.clusters[0].cluster.server}'\n" +
			"  kctl config view --raw --minify > my.conf",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := newDataPrinter(output, "config view")
			if err != nil {
				return err
			}
			kc, _, err := g.mustKubeconfig()
			if err != nil {
				return err
			}
			if minified {
				if kc, err = minify(kc, g.conn.context); err != nil {
					return err
				}
			}
			if !raw {
				kc = redacted(kc)
			}
			return p.printData(g.out, kc)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", formatYAML, "output format: yaml, json, jsonpath=TEMPLATE or jsonpath-file=FILE")
	f.BoolVar(&minified, "minify", false, "show only the context in use, its cluster and its user")
	f.BoolVar(&raw, "raw", false, "show the certificates, keys and tokens too")
	return cmd
}

// dataOmitted prints as DATA+OMITTED. The *-data fields are []byte,
// written in base64, so kubectl (whose trick this is) puts in them the
// bytes whose base64 reads as those letters.
var dataOmitted, _ = base64.StdEncoding.DecodeString("DATA+OMITTED")

// redacted returns a copy of kc that shows no secret, as kubectl config
// view prints one without --raw: certificate and key data as DATA+OMITTED,
// tokens as REDACTED.
func redacted(kc *kubeconfig.Config) *kubeconfig.Config {
	r := *kc
	r.Clusters, r.Users = slices.Clone(kc.Clusters), slices.Clone(kc.Users)
	for i := range r.Clusters {
		if c := &r.Clusters[i].Cluster; len(c.CertificateAuthorityData) > 0 {
			c.CertificateAuthorityData = dataOmitted
		}
	}
	for i := range r.Users {
		u := &r.Users[i].User
		if len(u.ClientCertificateData) > 0 {
			u.ClientCertificateData = dataOmitted
		}
		if len(u.ClientKeyData) > 0 {
			u.ClientKeyData = dataOmitted
		}
		if u.Token != "" {
			u.Token = "REDACTED"
		}
	}
	return &r
}

func newCurrentContextCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "current-context",
		Short: "Print the name of the current context",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			kc, _, err := g.mustKubeconfig()
			if err != nil {
				return err
			}
			if kc.CurrentContext == "" {
				return errors.New("current-context is not set")
			}
			fmt.Fprintln(g.out, kc.CurrentContext)
			return nil
		},
	}
}

func newGetContextsCommand(g *globals) *cobra.Command {
	var output string
	var noHeaders bool
	cmd := &cobra.Command{
		Use:     "get-contexts [NAME...]",
		Short:   "List the contexts of the kubeconfig; * marks the current one",
		Example: "  kctl config get-contexts\n  kctl config get-contexts -o name",
		RunE: func(_ *cobra.Command, names []string) error {
			if output != "" && output != formatName {
				return fmt.Errorf("output format %q is not supported by get-contexts: use name", output)
			}
			kc, _, err := g.mustKubeconfig()
			if err != nil {
				return err
			}
			contexts, err := pickContexts(kc.Contexts, names)
			if err != nil {
				return err
			}
			if output == formatName {
				for _, c := range contexts {
					fmt.Fprintln(g.out, c.Name)
				}
				return nil
			}
			var rows [][]string
			if !noHeaders {
				rows = append(rows, []string{"CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"})
			}
			for _, c := range contexts {
				current := ""
				if c.Name == kc.CurrentContext {
					current = "*"
				}
				rows = append(rows, []string{current, c.Name, c.Context.Cluster, c.Context.User, c.Context.Namespace})
			}
			lines, _ := alignRows(rows, nil)
			for _, l := range lines {
				fmt.Fprintln(g.out, l)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "name: print only the names")
	cmd.Flags().BoolVar(&noHeaders, "no-headers", false, "leave out the header line")
	return cmd
}

// pickContexts returns the named contexts, all of them when names is
// empty, sorted by name as kubectl lists them.
func pickContexts(all []kubeconfig.NamedContext, names []string) ([]kubeconfig.NamedContext, error) {
	var out []kubeconfig.NamedContext
	for _, c := range all {
		if len(names) == 0 || slices.Contains(names, c.Name) {
			out = append(out, c)
		}
	}
	for _, name := range names {
		if !slices.ContainsFunc(out, func(c kubeconfig.NamedContext) bool { return c.Name == name }) {
			return nil, fmt.Errorf("context %s not found", name)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func newUseContextCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "use-context NAME",
		Short:   "Make NAME the current context of the kubeconfig",
		Example: "  kctl config use-context kubernetes-admin@kubelab",
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			name := args[0]
			kc, path, err := g.mustKubeconfig()
			if err != nil {
				return err
			}
			if _, err := pickContexts(kc.Contexts, []string{name}); err != nil {
				return fmt.Errorf("no context exists with the name: %q", name)
			}
			err = editKubeconfig(path, func(doc map[string]any) { doc["current-context"] = name })
			if err != nil {
				return err
			}
			fmt.Fprintf(g.out, "Switched to context %q.\n", name)
			return nil
		},
	}
}

func newSetContextCommand(g *globals) *cobra.Command {
	var current bool
	var namespace, cluster, user string
	cmd := &cobra.Command{
		Use:   "set-context [NAME | --current] [--namespace=NAMESPACE] [--cluster=CLUSTER] [--user=USER]",
		Short: "Change a context of the kubeconfig, or add one",
		Long: "set-context sets fields of a context: --current is the context in use. Giving a\n" +
			"context a namespace is how to change the namespace kctl works in without -n.",
		Example: "  kctl config set-context --current --namespace=lab\n" +
			"  kctl config set-context lab --cluster=kubelab --user=kubernetes-admin --namespace=lab",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case current && len(args) == 1:
				return errors.New("give a context's name or --current, not both")
			case !current && len(args) == 0:
				return errors.New("give a context's name, or --current for the one in use")
			}
			kc, path, err := g.mustKubeconfig()
			if err != nil {
				return err
			}
			name := kc.CurrentContext
			if !current {
				name = args[0]
			} else if name == "" {
				return errors.New("no current context is set")
			}
			fields := map[string]string{}
			for key, value := range map[string]string{"namespace": namespace, "cluster": cluster, "user": user} {
				if cmd.Flags().Changed(key) {
					fields[key] = value
				}
			}
			created := false
			err = editKubeconfig(path, func(doc map[string]any) { created = setContextFields(doc, name, fields) })
			if err != nil {
				return err
			}
			verb := "modified"
			if created {
				verb = "created"
			}
			fmt.Fprintf(g.out, "Context %q %s.\n", name, verb)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&current, "current", false, "change the context in use")
	// --namespace here is the context's field, not the request's -n.
	f.StringVar(&namespace, "namespace", "", "the namespace of the context")
	f.StringVar(&cluster, "cluster", "", "the cluster of the context")
	f.StringVar(&user, "user", "", "the user of the context")
	return cmd
}

// setContextFields sets fields of the named context in a kubeconfig's
// generic form, adding the context when it is not there; an empty value
// removes the field. It reports whether it added the context.
func setContextFields(doc map[string]any, name string, fields map[string]string) bool {
	contexts, _ := doc["contexts"].([]any)
	var ctx map[string]any
	for _, c := range contexts {
		if m, _ := c.(map[string]any); m != nil && m["name"] == name {
			if ctx, _ = m["context"].(map[string]any); ctx == nil {
				ctx = map[string]any{}
				m["context"] = ctx
			}
		}
	}
	created := ctx == nil
	if created {
		ctx = map[string]any{}
		doc["contexts"] = append(contexts, map[string]any{"name": name, "context": ctx})
	}
	for k, v := range fields {
		if v == "" {
			delete(ctx, k)
		} else {
			ctx[k] = v
		}
	}
	return created
}

// editKubeconfig applies change to the kubeconfig at path in its generic
// form and writes it back readable by its owner only, since it holds keys
// or tokens: to a temporary file renamed over the old one, so that a
// failure leaves the old one whole.
func editKubeconfig(path string, change func(doc map[string]any)) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the kubeconfig: %w", err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("the kubeconfig %s is not valid: %v", path, err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	change(doc)
	if data, err = yaml.Marshal(doc); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return nil
}
