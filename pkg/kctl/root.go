package kctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/client"
)

// Version is the version of kctl itself, printed by `kctl version`.
const Version = "v0.1.0"

// globals are the flags every command shares and the streams every command
// writes to. Commands get them passed in; nothing in this package touches
// os.Stdout or os.Stderr directly, so tests can capture the output.
type globals struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer

	conn         connFlags // --kubeconfig, --context, --server, --token and the TLS files (config.go)
	namespace    string    // -n, else the context's namespace, else default
	namespaceSet bool      // -n was given explicitly
	getenv       func(string) string
	// workDir and home are where .kubelab/admin.conf and .kube/config are
	// looked for; "" looks nowhere (tests).
	workDir, home string
	now           func() time.Time // the clock AGE columns are measured by
}

// NewRootCommand builds the kctl command tree. in, out and errOut replace
// stdin, stdout and stderr. Run it with Execute to get kubectl's error
// lines and exit code.
func NewRootCommand(in io.Reader, out, errOut io.Writer) *cobra.Command {
	workDir, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	return newRootCommand(&globals{in: in, out: out, errOut: errOut, getenv: os.Getenv, workDir: workDir, home: home, now: time.Now})
}

// newRootCommand builds the tree around g; tests give it their own
// environment and clock.
func newRootCommand(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "kctl",
		Short: "kctl controls a kubelab cluster, like kubectl controls Kubernetes",
		Long: "kctl controls a kubelab cluster. Its verbs, flags and output follow kubectl's.\n\n" +
			"It finds the cluster, and who to be, in a kubeconfig: --kubeconfig, else the first\n" +
			"file of $KUBECONFIG that exists, else .kubelab/admin.conf in this directory (make up\n" +
			"writes it), else ~/.kube/config. --context picks a context other than the current\n" +
			"one; --server, --token, --certificate-authority, --client-certificate, --client-key\n" +
			"and --insecure-skip-tls-verify override what it says. -n defaults to the context's\n" +
			"namespace, else default.",
		SilenceErrors: true, // Execute prints errors the way kubectl does
		SilenceUsage:  true,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			g.namespaceSet = cmd.Flags().Changed("namespace")
			if !g.namespaceSet {
				g.namespace = g.contextNamespace()
			}
			if g.namespace == "" {
				g.namespace = "default"
			}
		},
	}
	root.SetIn(g.in)
	root.SetOut(g.out)
	root.SetErr(g.errOut)
	pf := root.PersistentFlags()
	g.conn.addFlags(root)
	pf.StringVarP(&g.namespace, "namespace", "n", "", "namespace of the request (default: the context's, else default)")

	root.AddCommand(
		newApplyCommand(g),
		newCreateCommand(g),
		newGetCommand(g),
		newDescribeCommand(g),
		newDeleteCommand(g),
		newScaleCommand(g),
		newLabelCommand(g),
		newAnnotateCommand(g),
		newEditCommand(g),
		newCordonCommand(g, true),
		newCordonCommand(g, false),
		newDrainCommand(g),
		newLogsCommand(g),
		newExecCommand(g),
		newAttachCommand(g),      // attach.go
		newPortForwardCommand(g), // portforward.go
		newAPIResourcesCommand(g),
		newClusterInfoCommand(g),
		newConfigCommand(g),
		newAuthCommand(g),
		newVersionCommand(g),
		newDoctorCommand(g),
		newRunCommand(g),     // run.go
		newExposeCommand(g),  // expose.go
		newSetCommand(g),     // set_image.go
		newRolloutCommand(g), // rollout.go
		newExplainCommand(g), // explain.go
		newDashboardCommand(g),
	)
	return root
}

// Execute runs the command until it finishes or the user presses Ctrl-C,
// prints any error as one kubectl-style line on the command's error stream,
// and returns the process exit code.
func Execute(cmd *cobra.Command) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var exit interface{ ExitCode() int } // kctl exec: the command's own exit code
	if errors.As(err, &exit) {
		fmt.Fprintln(cmd.ErrOrStderr(), err)
		return exit.ExitCode()
	}
	if !errors.Is(err, errReported) {
		fmt.Fprintln(cmd.ErrOrStderr(), errorLine(err))
	}
	return 1
}

// errReported is returned by commands that already printed their errors
// one by one (apply, delete, get of several names) and only need the exit
// code to say that something failed.
var errReported = errors.New("errors were reported")

// errorLine formats an error as kubectl does: a Status from the server is
// `Error from server (NotFound): pods "x" not found`, anything else is
// `error: …`.
func errorLine(err error) string {
	if s, ok := client.StatusOf(err); ok {
		msg := strings.ReplaceAll(s.Message, "\n", " ")
		if s.Reason == "" {
			return "Error from server: " + msg
		}
		return fmt.Sprintf("Error from server (%s): %s", s.Reason, msg)
	}
	return "error: " + strings.ReplaceAll(err.Error(), "\n", " ")
}

// client makes a REST client for the context in use. Warnings the server
// sends (unknown fields, say) go to the error stream as kubectl prints them.
func (g *globals) client() (*client.Client, error) {
	cfg, err := g.clientConfig()
	if err != nil {
		return nil, err
	}
	cfg.UserAgent = "kctl/" + Version
	cfg.WarningHandler = func(text string) { fmt.Fprintln(g.errOut, "Warning: "+text) }
	return client.New(cfg)
}

// isUnreachable reports whether err says the server could not be reached
// at all, in which case trying the next object is pointless.
func isUnreachable(err error) bool {
	if _, ok := client.StatusOf(err); ok {
		return false
	}
	return strings.Contains(err.Error(), "could not be reached")
}
