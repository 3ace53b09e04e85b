package kctl

// The last step of every generator that builds an object from flags
// (create deployment|job|cronjob, run, expose): post it (with
// --dry-run=server as a dry run, dryrun.go), or with --dry-run=client
// only show it, and print it as -o asks or as kubectl's one line,
// "deployment.apps/web created".

import (
	"fmt"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
)

// generatorFlags are --dry-run and -o.
type generatorFlags struct {
	dryRun string // none, client or server
	output string
}

func (f *generatorFlags) addFlags(cmd *cobra.Command) {
	addDryRunFlag(cmd, &f.dryRun)
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "Output format: yaml, json, name, jsonpath=…, custom-columns=…")
}

// emitGenerated creates obj as resource in the -n namespace, unless
// --dry-run=client, and prints it; verb is the word of the one-line form
// ("created", "exposed").
func (g *globals) emitGenerated(cmd *cobra.Command, f generatorFlags, resource string, obj api.Object, verb string) error {
	if err := checkDryRun(f.dryRun); err != nil {
		return err
	}
	var p *printer
	if f.output != "" {
		var err error
		if p, err = newPrinter(f.output, ""); err != nil {
			return err
		}
	}
	res := mustLookup(resource)
	if f.dryRun != dryRunClient {
		c, err := g.client()
		if err != nil {
			return err
		}
		ctx := dryRunContext(cmd.Context(), f.dryRun)
		created, err := c.Resource(res).Namespace(namespaceFor(res, g.namespace)).Create(ctx, obj)
		if err != nil {
			return err
		}
		obj = created
	}
	if p == nil {
		fmt.Fprintf(g.out, "%s %s%s\n", objectLabel(res, obj.GetObjectMeta().Name), verb, dryRunSuffix(f.dryRun))
		return nil
	}
	if p.hasRows() {
		return p.printTable(g.out, res, []api.Object{obj}, true)
	}
	return p.printObjects(g.out, []api.Object{obj}, true)
}
