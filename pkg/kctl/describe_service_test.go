package kctl

import (
	"regexp"
	"testing"
)

// TestDescribeServiceEndpoints: describe svc reads the Service's
// EndpointSlices, as kubectl does, and lists the ready addresses of each
// port.
func TestDescribeServiceEndpoints(t *testing.T) {
	tests := []struct {
		name   string
		slices map[string]string
		want   string // the Endpoints line's value
	}{
		{name: "no slices", want: "<none>"},
		{
			name: "ready endpoints of the service's slices, not another service's",
			slices: map[string]string{
				"web-abcde": slice("web-abcde", "web", `{"addresses":["10.244.1.5"],"conditions":{"ready":true}},
					{"addresses":["10.244.2.7"],"conditions":{"ready":false}}`),
				"web-fghij": slice("web-fghij", "web", `{"addresses":["10.244.3.2"],"conditions":{"ready":true}}`),
				"db-klmno":  slice("db-klmno", "db", `{"addresses":["10.244.9.9"],"conditions":{"ready":true}}`),
			},
			want: "10.244.1.5:8080,10.244.3.2:8080",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects["/api/v1/namespaces/default/services/web"] = `{"apiVersion":"v1","kind":"Service",
				"metadata":{"name":"web","namespace":"default"},
				"spec":{"type":"ClusterIP","clusterIP":"10.96.0.10","selector":{"app":"web"},
					"ipFamilyPolicy":"SingleStack","ipFamilies":["IPv4"],
					"ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"}]}}`
			for name, body := range tt.slices {
				fake.objects["/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/"+name] = body
			}
			out, errOut, code := kctl(t, server, "", "describe", "svc/web")
			if code != 0 || errOut != "" {
				t.Fatalf("code %d, stderr %q", code, errOut)
			}
			for _, want := range []string{`IP Family Policy:\s+SingleStack\n`, `IP Families:\s+IPv4\n`,
				`Endpoints:\s+` + regexp.QuoteMeta(tt.want) + `\n`} {
				if !regexp.MustCompile(want).MatchString(out) {
					t.Errorf("the description lacks %s:\n%s", want, out)
				}
			}
		})
	}
}

func slice(name, service, endpoints string) string {
	return `{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
		"metadata":{"name":"` + name + `","namespace":"default","labels":{"kubernetes.io/service-name":"` + service + `"}},
		"addressType":"IPv4","ports":[{"name":"http","port":8080,"protocol":"TCP"}],"endpoints":[` + endpoints + `]}`
}
