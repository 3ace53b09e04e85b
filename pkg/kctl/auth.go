package kctl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// kctl auth asks the apiserver about the caller, as kubectl auth does:
//
//	whoami                   who am I? (a SelfSubjectReview)
//	can-i VERB TYPE[/NAME]   may I? (a SelfSubjectAccessReview, auth_cani.go)
//	can-i VERB /PATH
//
// Both review kinds are created, never stored: kctl POSTs one and the
// apiserver answers with the same object, its status filled in. So the
// answer is the apiserver's own, from the authenticator and the RBAC
// authorizer that judge every other request.

// The URL paths the reviews are created at.
const (
	selfSubjectReviewsPath       = "/apis/" + api.AuthenticationGroup + "/v1/selfsubjectreviews"
	selfSubjectAccessReviewsPath = "/apis/" + api.AuthorizationGroup + "/v1/selfsubjectaccessreviews"
)

func newAuthCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth SUBCOMMAND",
		Short: "Ask the apiserver who you are and what you may do",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newWhoAmICommand(g), newCanICommand(g))
	return cmd
}

func newWhoAmICommand(g *globals) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Print the user the apiserver takes you for, and its groups",
		Long: "whoami prints how the apiserver authenticated kctl's request: the user name and\n" +
			"groups of the client certificate (its CN and O) or of the token. RBAC grants\n" +
			"permissions to those names.",
		Example: "  kctl auth whoami\n  kctl auth whoami -o yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var p *printer
			if output != "" {
				var err error
				if p, err = newDataPrinter(output, "auth whoami"); err != nil {
					return err
				}
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			review := api.SelfSubjectReview{TypeMeta: api.TypeMeta{APIVersion: api.AuthenticationGroup + "/v1", Kind: "SelfSubjectReview"}}
			if err := postReview(cmd.Context(), c, selfSubjectReviewsPath, &review); err != nil {
				return err
			}
			if p != nil {
				return p.printData(g.out, review)
			}
			lines, _ := alignRows(userInfoRows(review.Status.UserInfo), nil)
			for _, l := range lines {
				fmt.Fprintln(g.out, l)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "yaml, json or jsonpath=TEMPLATE (default: a table)")
	return cmd
}

// userInfoRows is kubectl's whoami table: an attribute a row, those the
// user has.
func userInfoRows(u api.UserInfo) [][]string {
	rows := [][]string{{"ATTRIBUTE", "VALUE"}}
	if u.Username != "" {
		rows = append(rows, []string{"Username", u.Username})
	}
	if u.UID != "" {
		rows = append(rows, []string{"UID", u.UID})
	}
	if len(u.Groups) > 0 {
		rows = append(rows, []string{"Groups", fmt.Sprint(u.Groups)})
	}
	keys := make([]string, 0, len(u.Extra))
	for k := range u.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rows = append(rows, []string{"Extra: " + k, fmt.Sprint(u.Extra[k])})
	}
	return rows
}

// postReview creates a review and reads the apiserver's answer into it.
func postReview(ctx context.Context, c *client.Client, path string, review any) error {
	body, err := json.Marshal(review)
	if err != nil {
		return err
	}
	answer, err := c.Do(ctx, http.MethodPost, path, body, "")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(answer, review); err != nil {
		return fmt.Errorf("decoding the answer of %s: %v", path, err)
	}
	return nil
}
