package kctl

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"kubelab/pkg/client"
)

// kubectl's --dry-run, on the commands that write (apply, create, delete,
// run, expose):
//
//	none    write (the default)
//	client  only print what would be sent; nothing is sent
//	server  send the write with dryRun=All: the server admits, defaults
//	        and validates it, and stores nothing (client.WithDryRun)
//
// The line printed for each object says which: `pod/web created (server
// dry run)`.

const (
	dryRunNone   = "none"
	dryRunClient = "client"
	dryRunServer = "server"
)

// addDryRunFlag adds --dry-run with kubectl's help.
func addDryRunFlag(cmd *cobra.Command, mode *string) {
	cmd.Flags().StringVar(mode, "dry-run", dryRunNone, `Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. `+
		`If server strategy, submit server-side request without persisting the resource.`)
}

// checkDryRun refuses a value of --dry-run kubectl refuses, with its message.
func checkDryRun(mode string) error {
	switch mode {
	case dryRunNone, dryRunClient, dryRunServer:
		return nil
	}
	return fmt.Errorf(`Invalid dry-run value (%s). Must be "none", "server", or "client".`, mode)
}

// dryRunContext is ctx with the writes sent under it made server-side dry
// runs when mode is server.
func dryRunContext(ctx context.Context, mode string) context.Context {
	if mode == dryRunServer {
		return client.WithDryRun(ctx)
	}
	return ctx
}

// dryRunSuffix is what kubectl adds to the line it prints for an object.
func dryRunSuffix(mode string) string {
	switch mode {
	case dryRunClient:
		return " (dry run)"
	case dryRunServer:
		return " (server dry run)"
	}
	return ""
}
