package kctl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/client"
)

// discoveredResource is one entry of an APIResourceList, as /api/v1 and
// /apis/{group}/{version} serve them.
type discoveredResource struct {
	Name       string   `json:"name"`
	Namespaced bool     `json:"namespaced"`
	Kind       string   `json:"kind"`
	Verbs      []string `json:"verbs"`
	ShortNames []string `json:"shortNames"`

	apiVersion string // the list's groupVersion
	group      string
}

func newAPIResourcesCommand(g *globals) *cobra.Command {
	var output, namespaced string
	cmd := &cobra.Command{
		Use:   "api-resources",
		Short: "List the resource types the server serves",
		Long: "api-resources asks the server's discovery endpoints (/api/v1, /apis and each\n" +
			"/apis/{group}/{version}) which types it serves, so it shows the server's truth.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			resources, err := discover(cmd.Context(), c)
			if err != nil {
				return err
			}
			if namespaced != "" {
				want, err := strconv.ParseBool(namespaced)
				if err != nil {
					return fmt.Errorf("--namespaced must be true or false")
				}
				resources = filterNamespaced(resources, want)
			}
			return printAPIResources(g, resources, output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "wide (adds VERBS) or name")
	cmd.Flags().StringVar(&namespaced, "namespaced", "", "true or false: only namespaced or only cluster-scoped types")
	return cmd
}

// discover reads the core group and every named group's preferred
// version, leaving out subresources (pods/status), sorted by group then
// name as kubectl sorts them.
func discover(ctx context.Context, c *client.Client) ([]discoveredResource, error) {
	paths := []string{"/api/v1"}
	var groups struct {
		Groups []struct {
			PreferredVersion struct {
				GroupVersion string `json:"groupVersion"`
			} `json:"preferredVersion"`
		} `json:"groups"`
	}
	if err := getJSON(ctx, c, "/apis", &groups); err != nil {
		return nil, err
	}
	for _, grp := range groups.Groups {
		paths = append(paths, "/apis/"+grp.PreferredVersion.GroupVersion)
	}
	var out []discoveredResource
	for _, path := range paths {
		var list struct {
			GroupVersion string               `json:"groupVersion"`
			Resources    []discoveredResource `json:"resources"`
		}
		if err := getJSON(ctx, c, path, &list); err != nil {
			return nil, err
		}
		for _, r := range list.Resources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			r.apiVersion = list.GroupVersion
			r.group, _, _ = strings.Cut(list.GroupVersion, "/")
			if !strings.Contains(list.GroupVersion, "/") {
				r.group = ""
			}
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].group != out[j].group {
			return out[i].group < out[j].group
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func getJSON(ctx context.Context, c *client.Client, path string, out any) error {
	b, err := c.Do(ctx, http.MethodGet, path, nil, "")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decoding %s: %v", path, err)
	}
	return nil
}

func filterNamespaced(in []discoveredResource, want bool) []discoveredResource {
	var out []discoveredResource
	for _, r := range in {
		if r.Namespaced == want {
			out = append(out, r)
		}
	}
	return out
}

func printAPIResources(g *globals, resources []discoveredResource, output string) error {
	switch output {
	case "name":
		for _, r := range resources {
			if r.group == "" {
				fmt.Fprintln(g.out, r.Name)
			} else {
				fmt.Fprintln(g.out, r.Name+"."+r.group)
			}
		}
		return nil
	case "", "wide":
	default:
		return fmt.Errorf("--output %q is not supported: use wide or name", output)
	}
	rows := [][]string{{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"}}
	if output == "wide" {
		rows[0] = append(rows[0], "VERBS")
	}
	for _, r := range resources {
		row := []string{r.Name, strings.Join(r.ShortNames, ","), r.apiVersion, strconv.FormatBool(r.Namespaced), r.Kind}
		if output == "wide" {
			row = append(row, strings.Join(r.Verbs, ","))
		}
		rows = append(rows, row)
	}
	lines, _ := alignRows(rows, nil)
	_, err := fmt.Fprintln(g.out, strings.Join(lines, "\n"))
	return err
}
