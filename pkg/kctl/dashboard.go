package kctl

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// kctl dashboard finds the dashboard make up started, checks that it
// answers, prints its address and, where there is a screen to show it on,
// opens it in a browser, as `minikube dashboard` does.

// dashboardURLFile is where make up writes the dashboard's address,
// beside the admin's kubeconfig (.kubelab/dashboard.url).
const dashboardURLFile = "dashboard.url"

// defaultDashboardURL is the dashboard's own default --listen.
const defaultDashboardURL = "http://127.0.0.1:8080"

func newDashboardCommand(g *globals) *cobra.Command {
	var address string
	var urlOnly bool
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Open the cluster's web dashboard, or print its address",
		Long: "dashboard prints the address of the web dashboard make up started and opens it in\n" +
			"a browser when this machine has a display. The address is --address, else\n" +
			"$KUBELAB_DASHBOARD, else the one make up wrote beside the kubeconfig in use\n" +
			"(.kubelab/dashboard.url), else " + defaultDashboardURL + ".",
		Example: "  kctl dashboard\n  kctl dashboard --url          # print the address only",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u := g.dashboardURL(address)
			if err := checkDashboard(cmd.Context(), u); err != nil {
				return err
			}
			fmt.Fprintln(g.out, u)
			if urlOnly {
				return nil
			}
			if opener := browserOpener(g.getenv); opener != "" {
				c := exec.Command(opener, u)
				if err := c.Start(); err == nil {
					go c.Wait() // the browser lives on after kctl
					return nil
				}
			}
			fmt.Fprintln(g.errOut, "(no display here to open a browser on: open the address above in one)")
			return nil
		},
	}
	cmd.Flags().StringVar(&address, "address", "", "the dashboard's address, e.g. http://127.0.0.1:8080")
	cmd.Flags().BoolVar(&urlOnly, "url", false, "print the address only; do not open a browser")
	return cmd
}

// dashboardURL is where the dashboard is: the flag, $KUBELAB_DASHBOARD,
// the file make up writes, or the default.
func (g *globals) dashboardURL(flag string) string {
	if flag != "" {
		return strings.TrimRight(flag, "/")
	}
	if env := g.getenv("KUBELAB_DASHBOARD"); env != "" {
		return strings.TrimRight(env, "/")
	}
	if path := findKubeconfig(g.conn.kubeconfig, g.getenv("KUBECONFIG"), g.workDir, g.home); path != "" {
		if b, err := os.ReadFile(filepath.Join(filepath.Dir(path), dashboardURLFile)); err == nil {
			if u := strings.TrimSpace(string(b)); u != "" {
				return strings.TrimRight(u, "/")
			}
		}
	}
	return defaultDashboardURL
}

// checkDashboard asks the dashboard's /healthz, so that kctl does not
// send a browser to an address where nothing answers.
func checkDashboard(ctx context.Context, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+"/healthz", nil)
	if err != nil {
		return fmt.Errorf("the dashboard's address %q: %v", u, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		err = fmt.Errorf("it answered %s", resp.Status)
	}
	return fmt.Errorf("the dashboard does not answer at %s (%v): make up starts it, and its log is .kubelab/logs/dashboard.log", u, unwrapURLError(err))
}

// unwrapURLError drops the `Get "…":` a failed request's error starts
// with: the address is said already.
func unwrapURLError(err error) error {
	if ue, ok := err.(interface{ Unwrap() error }); ok && strings.HasPrefix(err.Error(), "Get ") {
		return ue.Unwrap()
	}
	return err
}

// browserOpener is the command that opens an address in the desktop's
// browser, or "" when there is no desktop to open it on.
func browserOpener(getenv func(string) string) string {
	name := "xdg-open"
	switch {
	case runtime.GOOS == "darwin":
		name = "open"
	case getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "":
		return ""
	}
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	return ""
}
