package kctl

import (
	"encoding/json"
	"testing"

	"kubelab/pkg/api"
)

// live builds a live object: the server's view, with the given manifest
// recorded as last applied (none if lastApplied is "").
func live(t *testing.T, object, lastApplied string) map[string]any {
	t.Helper()
	m := parse(t, object)
	if lastApplied != "" {
		meta, _ := m["metadata"].(map[string]any)
		ann, _ := meta["annotations"].(map[string]any)
		if ann == nil {
			ann = map[string]any{}
			meta["annotations"] = ann
		}
		b, _ := json.Marshal(parse(t, lastApplied))
		ann[lastAppliedAnnotation] = string(b)
	}
	return m
}

func parse(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

const (
	podV1 = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default","labels":{"app":"kubia","env":"dev"}},
		"spec":{"containers":[{"name":"kubia","image":"kubia:v1","ports":[{"containerPort":8080}]}]}}`
	// podV1Live is podV1 as the server keeps it: defaults, status and
	// system metadata added.
	podV1Live = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default","uid":"u1","resourceVersion":"7",
		"labels":{"app":"kubia","env":"dev"}},
		"spec":{"containers":[{"name":"kubia","image":"kubia:v1","imagePullPolicy":"IfNotPresent","ports":[{"containerPort":8080,"protocol":"TCP"}]}],
		"restartPolicy":"Always","nodeName":"node1"},"status":{"phase":"Running"}}`
)

func TestPlanApply(t *testing.T) {
	tests := []struct {
		name       string
		modified   string
		live       map[string]any
		wantAction string
		wantPatch  string // without the annotation; checked separately
		annotated  bool   // the patch updates the last-applied annotation
	}{
		{
			name: "not there yet", modified: podV1, live: nil, wantAction: actionCreated,
		},
		{
			name: "same manifest again", modified: podV1, live: live(t, podV1Live, podV1),
			wantAction: actionUnchanged,
		},
		{
			name:       "new image",
			modified:   `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default","labels":{"app":"kubia","env":"dev"}},"spec":{"containers":[{"name":"kubia","image":"kubia:v2","ports":[{"containerPort":8080}]}]}}`,
			live:       live(t, podV1Live, podV1),
			wantAction: actionConfigured, annotated: true,
			wantPatch: `{"spec":{"containers":[{"image":"kubia:v2","name":"kubia"}]}}`,
		},
		{
			name:       "label removed from the manifest is deleted",
			modified:   `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default","labels":{"app":"kubia"}},"spec":{"containers":[{"name":"kubia","image":"kubia:v1","ports":[{"containerPort":8080}]}]}}`,
			live:       live(t, podV1Live, podV1),
			wantAction: actionConfigured, annotated: true,
			wantPatch: `{"metadata":{"labels":{"env":null}}}`,
		},
		{
			name:       "all labels removed",
			modified:   `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default"},"spec":{"containers":[{"name":"kubia","image":"kubia:v1","ports":[{"containerPort":8080}]}]}}`,
			live:       live(t, podV1Live, podV1),
			wantAction: actionConfigured, annotated: true,
			wantPatch: `{"metadata":{"labels":null}}`,
		},
		{
			name:       "someone else changed a field the manifest sets",
			modified:   podV1,
			live:       live(t, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default","labels":{"app":"kubia","env":"prod"}},"spec":{"containers":[{"name":"kubia","image":"kubia:v1","ports":[{"containerPort":8080}]}]}}`, podV1),
			wantAction: actionConfigured,
			wantPatch:  `{"metadata":{"labels":{"env":"dev"}}}`,
		},
		{
			name:       "a field only the server set stays",
			modified:   `{"apiVersion":"v1","kind":"Service","metadata":{"name":"kubia","namespace":"default"},"spec":{"ports":[{"port":80}],"selector":{"app":"kubia"}}}`,
			live:       live(t, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"kubia","namespace":"default"},"spec":{"clusterIP":"10.96.0.10","ports":[{"port":80,"protocol":"TCP","targetPort":80}],"selector":{"app":"kubia"}}}`, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"kubia","namespace":"default"},"spec":{"ports":[{"port":80}],"selector":{"app":"kubia"}}}`),
			wantAction: actionUnchanged,
		},
		{
			name:       "a removed field already gone from the live object",
			modified:   `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"default"},"spec":{"ports":[{"port":80}]}}`,
			live:       live(t, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"default"},"spec":{"ports":[{"port":80}]}}`, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"default"},"spec":{"ports":[{"port":80}],"sessionAffinity":"ClientIP"}}`),
			wantAction: actionConfigured, annotated: true,
			wantPatch: `{}`,
		},
		{
			name:       "container removed from the manifest",
			modified:   `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs","namespace":"default"},"spec":{"template":{"spec":{"containers":[{"name":"a","image":"x"}]}}}}`,
			live:       live(t, `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs","namespace":"default"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}}}`, `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs","namespace":"default"},"spec":{"template":{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}}}`),
			wantAction: actionConfigured, annotated: true,
			wantPatch: `{"spec":{"template":{"spec":{"containers":[{"$patch":"delete","name":"b"}]}}}}`,
		},
		{
			name:       "container added and port changed",
			modified:   `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs","namespace":"default"},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"a","image":"x","ports":[{"containerPort":9090}]},{"name":"c","image":"z"}]}}}}`,
			live:       live(t, `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs","namespace":"default"},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"a","image":"x","ports":[{"containerPort":8080,"protocol":"TCP"}]}]}}}}`, `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs","namespace":"default"},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"a","image":"x","ports":[{"containerPort":8080}]}]}}}}`),
			wantAction: actionConfigured, annotated: true,
			wantPatch: `{"spec":{"template":{"spec":{"containers":[{"name":"a","ports":[{"containerPort":9090},{"$patch":"delete","containerPort":8080}]},{"image":"z","name":"c"}]}}}}`,
		},
		{
			name:       "a plain list is replaced whole",
			modified:   `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"a","image":"x","args":["--port","9090"]}]}}`,
			live:       live(t, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"a","image":"x","args":["--port","8080"]}]}}`, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"a","image":"x","args":["--port","8080"]}]}}`),
			wantAction: actionConfigured, annotated: true,
			wantPatch: `{"spec":{"containers":[{"args":["--port","9090"],"name":"a"}]}}`,
		},
		{
			// Merging by port would pair 53/UDP with 53/TCP: such a list
			// is compared element by element and replaced whole.
			name:       "ports that share their number, unchanged",
			modified:   dnsService(`[{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP"}]`),
			live:       live(t, dnsService(`[{"name":"dns","port":53,"protocol":"UDP","targetPort":53},{"name":"dns-tcp","port":53,"protocol":"TCP","targetPort":53}]`), dnsService(`[{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP"}]`)),
			wantAction: actionUnchanged,
		},
		{
			name:       "ports that share their number, one renamed",
			modified:   dnsService(`[{"name":"dns","port":53,"protocol":"UDP"},{"name":"tcp","port":53,"protocol":"TCP"}]`),
			live:       live(t, dnsService(`[{"name":"dns","port":53,"protocol":"UDP","targetPort":53},{"name":"dns-tcp","port":53,"protocol":"TCP","targetPort":53}]`), dnsService(`[{"name":"dns","port":53,"protocol":"UDP"},{"name":"dns-tcp","port":53,"protocol":"TCP"}]`)),
			wantAction: actionConfigured, annotated: true,
			wantPatch: `{"spec":{"ports":[{"name":"dns","port":53,"protocol":"UDP"},{"name":"tcp","port":53,"protocol":"TCP"},{"$patch":"replace"}]}}`,
		},
		{
			name:       "created without apply: the annotation is added",
			modified:   podV1,
			live:       live(t, podV1Live, ""),
			wantAction: actionConfigured, annotated: true,
			wantPatch: `{}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			modified := parse(t, tt.modified)
			action, patch, err := planApply(modified, tt.live)
			if err != nil {
				t.Fatal(err)
			}
			if action != tt.wantAction {
				t.Fatalf("action %s, want %s (patch %s)", action, tt.wantAction, patch)
			}
			if action != actionConfigured {
				if patch != nil {
					t.Errorf("patch %s for %s", patch, action)
				}
				return
			}
			got := parse(t, string(patch))
			ann := takeAnnotation(got)
			if tt.annotated {
				want, _ := json.Marshal(modified)
				if ann != string(want) {
					t.Errorf("annotation %q, want %q", ann, want)
				}
			} else if ann != "" {
				t.Errorf("the annotation was unchanged but the patch sets it")
			}
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(parse(t, tt.wantPatch))
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("patch\n %s\nwant\n %s", gotJSON, wantJSON)
			}
		})
	}
}

// dnsService is a Service manifest with the given ports.
func dnsService(ports string) string {
	return `{"apiVersion":"v1","kind":"Service","metadata":{"name":"dns","namespace":"default"},"spec":{"selector":{"app":"dns"},"ports":` + ports + `}}`
}

// takeAnnotation removes the last-applied annotation from a patch, and the
// maps it leaves empty, and returns it.
func takeAnnotation(patch map[string]any) string {
	meta, _ := patch["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	s, _ := ann[lastAppliedAnnotation].(string)
	delete(ann, lastAppliedAnnotation)
	if ann != nil && len(ann) == 0 {
		delete(meta, "annotations")
	}
	if meta != nil && len(meta) == 0 {
		delete(patch, "metadata")
	}
	return s
}

func TestManifestMap(t *testing.T) {
	rs := &api.ReplicaSet{}
	rs.APIVersion, rs.Kind, rs.Name, rs.Namespace = "apps/v1", "ReplicaSet", "kubia", "default"
	rs.Annotations = map[string]string{lastAppliedAnnotation: "old"}
	rs.Spec.Template.Spec.Containers = []api.Container{{Name: "c", Image: "x"}}
	rs.Spec.Template.Spec.Volumes = []api.Volume{{Name: "v", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}}
	m, err := manifestMap(rs)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(m)
	// No "selector": null from the Go type, no annotation, and the empty
	// emptyDir kept: it means something.
	want := `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"kubia","namespace":"default"},` +
		`"spec":{"template":{"spec":{"containers":[{"image":"x","name":"c"}],"volumes":[{"emptyDir":{},"name":"v"}]}}}}`
	if string(got) != want {
		t.Errorf("got\n %s\nwant\n %s", got, want)
	}
}
