package openapi

import "strings"

// Swagger 2.0 (/openapi/v2) is what clients older than OpenAPI v3 read,
// and what kubectl falls back to when a server has no v3. It describes
// the same paths and schemas in 2.0's form: definitions under
// #/definitions/, a ref beside its description, the body as a parameter,
// no oneOf.

type swagger struct {
	Swagger             string                    `json:"swagger"`
	Info                Info                      `json:"info"`
	Paths               map[string]v2PathItem     `json:"paths"`
	Definitions         map[string]*Schema        `json:"definitions"`
	SecurityDefinitions map[string]securityScheme `json:"securityDefinitions"`
	Security            []map[string][]string     `json:"security"`
}

type v2PathItem struct {
	Parameters []v2Parameter `json:"parameters,omitempty"`
	Get        *v2Operation  `json:"get,omitempty"`
	Put        *v2Operation  `json:"put,omitempty"`
	Post       *v2Operation  `json:"post,omitempty"`
	Delete     *v2Operation  `json:"delete,omitempty"`
	Patch      *v2Operation  `json:"patch,omitempty"`
}

type v2Operation struct {
	Description string                `json:"description"`
	Consumes    []string              `json:"consumes,omitempty"`
	Produces    []string              `json:"produces"`
	Schemes     []string              `json:"schemes"`
	Tags        []string              `json:"tags"`
	OperationID string                `json:"operationId"`
	Parameters  []v2Parameter         `json:"parameters,omitempty"`
	Responses   map[string]v2Response `json:"responses"`
	Action      string                `json:"x-kubernetes-action"`
	GVK         GVK                   `json:"x-kubernetes-group-version-kind"`
}

type v2Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Type        string  `json:"type,omitempty"`
	UniqueItems bool    `json:"uniqueItems,omitempty"`
	Schema      *Schema `json:"schema,omitempty"` // the body's
}

type v2Response struct {
	Description string  `json:"description"`
	Schema      *Schema `json:"schema,omitempty"`
}

const v2RefPrefix = "#/definitions/"

func toV2(info Info, paths map[string]*PathItem, schemas map[string]*Schema) swagger {
	doc := swagger{Swagger: "2.0", Info: info, Paths: map[string]v2PathItem{}, Definitions: map[string]*Schema{},
		SecurityDefinitions: bearerToken, Security: []map[string][]string{{"BearerToken": {}}}}
	for name, s := range schemas {
		doc.Definitions[name] = v2Schema(s)
	}
	for p, item := range paths {
		doc.Paths[p] = v2PathItem{Parameters: v2Parameters(item.Parameters), Get: v2Op(item.Get), Put: v2Op(item.Put),
			Post: v2Op(item.Post), Delete: v2Op(item.Delete), Patch: v2Op(item.Patch)}
	}
	return doc
}

// v2Schema returns a copy of s in 2.0's form.
func v2Schema(s *Schema) *Schema {
	if s == nil {
		return nil
	}
	c := *s
	if len(c.AllOf) == 1 && c.AllOf[0].Ref != "" {
		c.Ref, c.AllOf = c.AllOf[0].Ref, nil
	}
	c.Ref = strings.Replace(c.Ref, refPrefix, v2RefPrefix, 1)
	if c.OneOf != nil { // IntOrString and Quantity: 2.0 calls both strings
		c.OneOf, c.Type = nil, "string"
	}
	c.Items, c.AdditionalProperties = v2Schema(c.Items), v2Schema(c.AdditionalProperties)
	if c.Properties != nil {
		c.Properties = map[string]*Schema{}
		for k, v := range s.Properties {
			c.Properties[k] = v2Schema(v)
		}
	}
	return &c
}

func v2Parameters(ps []*Parameter) []v2Parameter {
	var out []v2Parameter
	for _, p := range ps {
		out = append(out, v2Parameter{Name: p.Name, In: p.In, Description: p.Description, Required: p.Required,
			Type: p.Schema.Type, UniqueItems: p.Schema.UniqueItems})
	}
	return out
}

func v2Op(op *Operation) *v2Operation {
	if op == nil {
		return nil
	}
	out := &v2Operation{Description: op.Description, Produces: objectMediaTypes, Schemes: []string{"https"},
		Tags: op.Tags, OperationID: op.OperationID, Parameters: v2Parameters(op.Parameters),
		Responses: map[string]v2Response{}, Action: op.Action, GVK: op.GVK}
	if op.RequestBody != nil {
		var body *Schema
		for _, t := range append(objectMediaTypes, patchMediaTypes...) {
			if mt, ok := op.RequestBody.Content[t]; ok {
				out.Consumes = append(out.Consumes, t)
				body = mt.Schema
			}
		}
		out.Parameters = append(out.Parameters, v2Parameter{Name: "body", In: "body", Required: op.RequestBody.Required,
			Schema: v2Schema(body)})
	}
	for code, r := range op.Responses {
		resp := v2Response{Description: r.Description}
		if mt, ok := r.Content["application/json"]; ok {
			resp.Schema = v2Schema(mt.Schema)
		}
		out.Responses[code] = resp
	}
	return out
}
