package kctl

// The last step of every generator that builds an object from flags
// (create deployment|job|cronjob, run, expose): post it, or with
// --dry-run=client only show it, and print it as -o asks or as
// kubectl's one line, "deployment.apps/web created".

import (
	"fmt"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
)

// generatorFlags are --dry-run and -o.
type generatorFlags struct {
	dryRun string // none, client (server is not supported yet)
	output string
}

func (f *generatorFlags) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dryRun, "dry-run", "none", `Must be "none" or "client". If client, only print the object that would be sent, without sending it.`)
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "Output format: yaml, json, name, jsonpath=…, custom-columns=…")
}

// emitGenerated creates obj as resource in the -n namespace, unless
// --dry-run=client, and prints it; verb is the word of the one-line form
// ("created", "exposed").
func (g *globals) emitGenerated(cmd *cobra.Command, f generatorFlags, resource string, obj api.Object, verb string) error {
	switch f.dryRun {
	case "none", "client":
	case "server":
		return fmt.Errorf("--dry-run=server is not supported by kctl yet; use --dry-run=client")
	default:
		return fmt.Errorf(`Invalid dry-run value (%s). Must be "none", "server", or "client".`, f.dryRun)
	}
	var p *printer
	if f.output != "" {
		var err error
		if p, err = newPrinter(f.output, ""); err != nil {
			return err
		}
	}
	res := mustLookup(resource)
	if f.dryRun == "none" {
		c, err := g.client()
		if err != nil {
			return err
		}
		created, err := c.Resource(res).Namespace(namespaceFor(res, g.namespace)).Create(cmd.Context(), obj)
		if err != nil {
			return err
		}
		obj = created
	}
	if p == nil {
		suffix := ""
		if f.dryRun == "client" {
			suffix = " (dry run)"
		}
		fmt.Fprintf(g.out, "%s %s%s\n", objectLabel(res, obj.GetObjectMeta().Name), verb, suffix)
		return nil
	}
	if p.hasRows() {
		return p.printTable(g.out, res, []api.Object{obj}, true)
	}
	return p.printObjects(g.out, []api.Object{obj}, true)
}
