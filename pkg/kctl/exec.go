package kctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
)

// exitCodeTrailer carries the command's exit code at the end of the
// answer (the kubelet's kubelet.ExitCodeTrailer; kctl does not import
// the node agent).
const exitCodeTrailer = "X-Exit-Code"

func newExecCommand(g *globals) *cobra.Command {
	var container string
	var stdin, tty bool
	cmd := &cobra.Command{
		Use:   "exec POD [-c CONTAINER] -- COMMAND [ARGS...]",
		Short: "Run a command in a container of a pod",
		Long: "Exec runs a command in a running container and prints its output; kctl exits with\n" +
			"the command's exit code. The apiserver passes the request on to the kubelet of the\n" +
			"pod's node. The command gets no stdin and no terminal (kubectl's -i and -t).",
		Example: "  kctl exec kubia -- ls /\n  kctl exec kubia -c sidecar -- wget -qO- http://127.0.0.1:8080/",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if stdin || tty {
				return errors.New("kctl exec runs commands without stdin or a terminal: leave out -i and -t")
			}
			pod, command := args[0], args[1:]
			if dash := cmd.ArgsLenAtDash(); dash > 1 {
				return fmt.Errorf("exactly one pod before --, got %q", args[:dash])
			}
			if len(command) == 0 {
				return errors.New("you must specify at least one command for the container")
			}
			return runExec(cmd.Context(), g, pod, container, command)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&container, "container", "c", "", "the container to run the command in (default: the pod's only one)")
	f.BoolVarP(&stdin, "stdin", "i", false, "pass stdin to the command (not supported)")
	f.BoolVarP(&tty, "tty", "t", false, "give the command a terminal (not supported)")
	return cmd
}

// runExec POSTs the command and copies the output as it comes. The exit
// code arrives in a trailer, after the output, which is why this uses the
// client's Raw, with its credentials, rather than Do: Do hands back bodies,
// not trailers.
func runExec(ctx context.Context, g *globals, podName, container string, command []string) error {
	name, err := podArg(podName)
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	q := url.Values{"command": command}
	if container != "" {
		q.Set("container", container)
	}
	resp, err := c.Raw(ctx, http.MethodPost, podsPath(g, name, "exec")+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusFromAnswer(resp)
	}
	if _, err := io.Copy(g.out, resp.Body); err != nil {
		return fmt.Errorf("reading the command's output: %w", err)
	}
	code, err := strconv.Atoi(resp.Trailer.Get(exitCodeTrailer))
	if err != nil {
		return errors.New("the connection ended before the command did: its exit code is unknown")
	}
	if code != 0 {
		return exitError(code)
	}
	return nil
}

// exitError is a command's non-zero exit code: kctl prints it as kubectl
// does and exits with it (Execute).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("command terminated with exit code %d", int(e)) }

// ExitCode is what kctl exits with.
func (e exitError) ExitCode() int { return int(e) }

// statusFromAnswer reads an error answer: an api.Status from the
// apiserver or the kubelet, or something else (a proxy's page) as one line.
func statusFromAnswer(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var st api.Status
	if err := json.Unmarshal(b, &st); err == nil && st.Message != "" {
		if st.Code == 0 {
			st.Code = int32(resp.StatusCode)
		}
		return &st
	}
	msg, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if msg == "" {
		msg = resp.Status
	}
	return &api.Status{Status: "Failure", Code: int32(resp.StatusCode), Message: msg}
}
