package kctl

import (
	"strings"
	"testing"
)

func TestDescribePodScheduling(t *testing.T) {
	cases := []struct {
		name       string
		annotation string // the value of scheduler.kubelab.io/decision, "" for none
		want       []string
		wantNot    []string
	}{
		{
			name: "every node listed",
			annotation: `{"total":3,"feasible":1,"nodes":[{"node":"n1","fit":true,"score":87},` +
				`{"node":"n2","fit":false,"reason":"Insufficient cpu"},{"node":"node-three","fit":false,"reason":"node(s) were unschedulable"}]}`,
			want: []string{
				"Annotations:  team: web\n",
				"Scheduling:\n" +
					"  NODE        FIT    SCORE  REASON\n" +
					"  ----        ---    -----  ------\n" +
					"  n1          True   87     \n" +
					"  n2          False         Insufficient cpu\n" +
					"  node-three  False         node(s) were unschedulable\n" +
					"Events:",
			},
			wantNot: []string{"scheduler.kubelab.io/decision:"},
		},
		{
			name:       "capped list",
			annotation: `{"total":1000,"feasible":996,"nodes":[{"node":"n1","fit":true,"score":0}]}`,
			want:       []string{"  n1    True  0      \n  … and 999 more nodes (996 of 1000 fit)\n"},
		},
		{
			name: "sampled",
			annotation: `{"total":1000,"feasible":420,"skipped":580,"nodes":[{"node":"n1","fit":true,"score":94},` +
				`{"node":"n2","fit":false,"skipped":true}]}`,
			want: []string{"  n1    True  94     \n  n2    -            not evaluated\n" +
				"  … and 998 more nodes (420 of 1000 fit; 580 not evaluated: enough nodes that fit were found first)\n"},
		},
		{
			name:       "unreadable",
			annotation: `[1,2`,
			want:       []string{"Scheduling: <unreadable scheduler.kubelab.io/decision annotation: unexpected end of JSON input>\n"},
		},
		{name: "none", wantNot: []string{"Scheduling:"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			annotations := `"team":"web"`
			if tc.annotation != "" {
				annotations += `,"scheduler.kubelab.io/decision":` + jsonString(tc.annotation)
			}
			fake.objects["/api/v1/namespaces/default/pods/web"] = `{"apiVersion":"v1","kind":"Pod",
				"metadata":{"name":"web","namespace":"default","uid":"u1","annotations":{` + annotations + `}},
				"spec":{"nodeName":"n1","containers":[{"name":"web","image":"web"}]},"status":{"phase":"Pending"}}`
			out, errOut, code := kctl(t, server, "", "describe", "pod/web")
			if code != 0 || errOut != "" {
				t.Fatalf("code %d, stderr %q", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the description lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("the description has %q:\n%s", w, out)
				}
			}
		})
	}
}

func jsonString(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}
