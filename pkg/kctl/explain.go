package kctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"kubelab/pkg/client"
)

// kctl explain prints a kind's documentation, or one field's, from the
// server's OpenAPI v3 document, as kubectl explain does: never from
// kctl's own copy of the types, so what it says is what this server
// serves. The steps are kubectl's:
//
//	discovery        pods → group "", version v1, kind Pod
//	/openapi/v3      the index: where the api/v1 document is
//	/openapi/v3/api/v1?hash=…   the document; the schema whose
//	                 x-kubernetes-group-version-kind is v1 Pod
//	spec.containers  followed through $ref, allOf and array items
//
// and the output is kubectl's plaintext template: KIND and VERSION, the
// FIELD with its type, its DESCRIPTION, then its FIELDS with types and
// descriptions (with --recursive, only the names and types, nested).

func newExplainCommand(g *globals) *cobra.Command {
	var recursive bool
	var apiVersion string
	cmd := &cobra.Command{
		Use:   "explain TYPE[.FIELD.FIELD…]",
		Short: "Print the documentation of a resource type or of one of its fields",
		Long: "explain prints the fields of a resource type, with their types and descriptions, as\n" +
			"the server's OpenAPI document gives them: kctl explain pods, kctl explain\n" +
			"pod.spec.containers. --recursive prints every nested field's name and type.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			err = explain(cmd.Context(), c, g.out, args[0], apiVersion, recursive)
			if unknown := (unknownTypeError{}); errors.As(err, &unknown) {
				fmt.Fprintln(g.errOut, unknown) // kubectl explain prints this one without "error: "
				return errReported
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&recursive, "recursive", false, "print the names and types of every nested field")
	cmd.Flags().StringVar(&apiVersion, "api-version", "", "the group/version of the type, such as apps/v1, when it is served in several")
	return cmd
}

// oapiSchema is the part of an OpenAPI v3 schema explain reads.
type oapiSchema struct {
	Description          string                 `json:"description"`
	Type                 string                 `json:"type"`
	Ref                  string                 `json:"$ref"`
	AllOf                []*oapiSchema          `json:"allOf"`
	Items                *oapiSchema            `json:"items"`
	AdditionalProperties *oapiSchema            `json:"additionalProperties"`
	Properties           map[string]*oapiSchema `json:"properties"`
	Required             []string               `json:"required"`
	Enum                 []any                  `json:"enum"`
	GVK                  []struct {
		Group, Version, Kind string
	} `json:"x-kubernetes-group-version-kind"`
}

type oapiDocument struct {
	Components struct {
		Schemas map[string]*oapiSchema `json:"schemas"`
	} `json:"components"`
}

func explain(ctx context.Context, c *client.Client, out io.Writer, arg, apiVersion string, recursive bool) error {
	typeName, fieldPath, _ := strings.Cut(arg, ".")
	var fields []string
	if fieldPath != "" {
		fields = strings.Split(fieldPath, ".")
	}
	res, err := explainedResource(ctx, c, typeName, apiVersion)
	if err != nil {
		return err
	}
	doc, err := openAPIDocument(ctx, c, res.apiVersion)
	if err != nil {
		return err
	}
	kind := doc.kindSchema(res.group, version(res.apiVersion), res.Kind)
	if kind == nil {
		return fmt.Errorf("GVK %s, Kind=%s not found in OpenAPI schema", res.apiVersion, res.Kind)
	}
	// The heading comes first even when the field turns out not to
	// exist, as kubectl prints it.
	var b strings.Builder
	if res.group != "" {
		fmt.Fprintf(&b, "GROUP:      %s\n", res.group)
	}
	fmt.Fprintf(&b, "KIND:       %s\nVERSION:    %s\n\n", res.Kind, version(res.apiVersion))
	err = doc.explainPath(&b, kind, fields, recursive)
	if err == nil {
		b.WriteString("\n")
	}
	if _, werr := io.WriteString(out, b.String()); werr != nil {
		return werr
	}
	return err
}

// explainedResource finds typeName (plural, singular, short name or
// kind) among the server's resources; apiVersion, if set, picks the
// group and version (kubectl reads "deployments.apps.spec" as the field
// apps of deployments, too).
func explainedResource(ctx context.Context, c *client.Client, typeName, apiVersion string) (discoveredResource, error) {
	resources, err := discover(ctx, c)
	if err != nil {
		return discoveredResource{}, err
	}
	name := strings.ToLower(typeName)
	for _, r := range resources {
		if apiVersion != "" && r.apiVersion != apiVersion {
			continue
		}
		if name == r.Name || name == strings.ToLower(r.Kind) || contains(r.ShortNames, name) {
			return r, nil
		}
	}
	return discoveredResource{}, unknownTypeError{typeName}
}

// unknownTypeError says the server serves no type of that name.
type unknownTypeError struct{ name string }

func (e unknownTypeError) Error() string {
	return fmt.Sprintf("the server doesn't have a resource type %q", e.name)
}

func version(apiVersion string) string { return apiVersion[strings.LastIndex(apiVersion, "/")+1:] }

// openAPIDocument reads the index and then the document of apiVersion.
func openAPIDocument(ctx context.Context, c *client.Client, apiVersion string) (*oapiDocument, error) {
	var index struct {
		Paths map[string]struct {
			ServerRelativeURL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := getJSON(ctx, c, "/openapi/v3", &index); err != nil {
		return nil, fmt.Errorf("failed to fetch list of groupVersions: %w", err)
	}
	key := "api/" + apiVersion
	if strings.Contains(apiVersion, "/") {
		key = "apis/" + apiVersion
	}
	entry, ok := index.Paths[key]
	if !ok {
		return nil, fmt.Errorf("couldn't find resource for %q", apiVersion)
	}
	var doc oapiDocument
	if err := getJSON(ctx, c, entry.ServerRelativeURL, &doc); err != nil {
		return nil, fmt.Errorf("failed to fetch openapi schema for %s: %w", key, err)
	}
	return &doc, nil
}

// kindSchema is the schema marked with the kind's group, version and kind.
func (d *oapiDocument) kindSchema(group, version, kind string) *oapiSchema {
	for _, s := range d.Components.Schemas {
		for _, gvk := range s.GVK {
			if gvk.Group == group && gvk.Version == version && gvk.Kind == kind {
				return s
			}
		}
	}
	return nil
}

// resolve follows a $ref to the schema it names.
func (d *oapiDocument) resolve(s *oapiSchema) *oapiSchema {
	if s.Ref == "" {
		return s
	}
	if r := d.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]; r != nil {
		return r
	}
	return s
}

// explainPath follows fields from s, then prints the field it reached.
func (d *oapiDocument) explainPath(b *strings.Builder, s *oapiSchema, fields []string, recursive bool) error {
	for i, name := range fields {
		field := d.findField(s, name)
		if field == nil {
			return fmt.Errorf("field %q does not exist", name)
		}
		if i == len(fields)-1 {
			fmt.Fprintf(b, "FIELD: %s <%s>\n%s\n\n", name, d.typeName(field), enumLong(field))
		}
		s = field
	}
	resolved := d.resolve(s)
	desc := d.description(s)
	if desc == "" {
		desc = "<empty>"
	}
	b.WriteString("DESCRIPTION:\n" + indent(wrap(desc, 76), 4) + "\n")
	var list strings.Builder
	d.fieldList(&list, resolved, 1, recursive, map[string]bool{s.Ref: true})
	if list.Len() > 0 {
		b.WriteString("FIELDS:\n" + list.String())
	}
	return nil
}

// findField looks for a property name in s, through refs, array items,
// map values and allOf, as kubectl's template does.
func (d *oapiDocument) findField(s *oapiSchema, name string) *oapiSchema {
	s = d.resolve(s)
	switch {
	case s.Properties[name] != nil:
		return s.Properties[name]
	case s.Items != nil:
		return d.findField(s.Items, name)
	case s.AdditionalProperties != nil:
		return d.findField(s.AdditionalProperties, name)
	}
	for _, sub := range s.AllOf {
		if f := d.findField(sub, name); f != nil {
			return f
		}
	}
	return nil
}

// description joins a schema's description with those of what it
// stands for: the referenced type, the array's items, the map's values.
func (d *oapiDocument) description(s *oapiSchema) string {
	s = d.resolve(s)
	var out string
	if s.Description != "" {
		out = s.Description + "\n"
	}
	for _, sub := range s.AllOf {
		out += d.description(sub)
	}
	if s.Items != nil {
		out += d.description(s.Items)
	}
	if s.AdditionalProperties != nil {
		out += d.description(s.AdditionalProperties)
	}
	return out
}

// fieldList prints s's fields, sorted, at an indentation of level; with
// recursive, only names and types, each followed by its own fields. A
// type met again on the way down is not expanded (seen).
func (d *oapiDocument) fieldList(b *strings.Builder, s *oapiSchema, level int, recursive bool, seen map[string]bool) {
	if s.Ref != "" {
		if seen[s.Ref] {
			return
		}
		seen = with(seen, s.Ref)
	}
	s = d.resolve(s)
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	pad := strings.Repeat(" ", level*2)
	for _, n := range names {
		f := s.Properties[n]
		fmt.Fprintf(b, "%s%s\t<%s>", pad, n, d.typeName(f))
		if contains(s.Required, n) {
			b.WriteString(" -required-")
		}
		b.WriteString(enumShort(f, pad) + "\n")
		if recursive {
			d.fieldList(b, f, level+1, true, seen)
			continue
		}
		desc := f.Description
		if desc == "" {
			desc = "<no description>"
		}
		b.WriteString(indent(wrap(desc, 78-level*2), level*2+2) + "\n\n")
	}
	for _, sub := range s.AllOf {
		d.fieldList(b, sub, level, recursive, seen)
	}
	if s.Items != nil {
		d.fieldList(b, s.Items, level, recursive, seen)
	}
	if s.AdditionalProperties != nil {
		d.fieldList(b, s.AdditionalProperties, level, recursive, seen)
	}
}

func with(seen map[string]bool, ref string) map[string]bool {
	out := map[string]bool{ref: true}
	for k := range seen {
		out[k] = true
	}
	return out
}

// typeName is kubectl's short type: string, []Container,
// map[string]string, Object; a referenced object type by its name, a
// referenced scalar (Time) by its JSON type.
func (d *oapiDocument) typeName(s *oapiSchema) string {
	switch {
	case s.Items != nil:
		return "[]" + d.typeName(s.Items)
	case s.AdditionalProperties != nil:
		return "map[string]" + d.typeName(s.AdditionalProperties)
	case len(s.AllOf) == 1 && s.Properties == nil:
		return d.typeName(s.AllOf[0])
	case s.Ref != "":
		target := d.resolve(s)
		if target == s || target.Type == "" || target.Type == "object" {
			return s.Ref[strings.LastIndex(s.Ref, ".")+1:]
		}
		return target.Type
	case s.Type == "" || s.Type == "object":
		return "Object"
	}
	return s.Type
}

func enumLong(s *oapiSchema) string {
	if len(s.Enum) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("ENUM:")
	for _, v := range s.Enum {
		b.WriteString("\n    " + enumValue(v))
	}
	return b.String()
}

// enumShort lists at most four values, then "....", as kubectl does.
func enumShort(s *oapiSchema, pad string) string {
	if len(s.Enum) == 0 {
		return ""
	}
	values := make([]string, 0, 5)
	for i, v := range s.Enum {
		if i == 4 {
			values[len(values)-1] += ", ...."
			break
		}
		values = append(values, enumValue(v))
	}
	return "\n" + pad + "enum: " + strings.Join(values, ", ")
}

func enumValue(v any) string {
	if s, ok := v.(string); ok {
		if s == "" {
			return `""`
		}
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// wrap breaks text into lines of at most width characters (not bytes:
// "…" is one) at spaces, keeping its own line breaks; a longer word gets
// a line of its own.
func wrap(text string, width int) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		var out strings.Builder
		n := 0
		for j, word := range strings.Split(line, " ") {
			w := utf8.RuneCountInString(word)
			if j > 0 && n+1+w > width {
				out.WriteString("\n")
				n = 0
			} else if j > 0 {
				out.WriteString(" ")
				n++
			}
			out.WriteString(word)
			n += w
		}
		lines[i] = out.String()
	}
	return strings.Join(lines, "\n")
}

// indent puts n spaces before every line of text, as kubectl's template
// does (a trailing newline leaves an indented empty line).
func indent(text string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(text, "\n", "\n"+pad)
}
