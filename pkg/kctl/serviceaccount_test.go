package kctl

import "testing"

func TestGetAndDescribeServiceAccounts(t *testing.T) {
	fake, server := newFakeAPI(t)
	const sas = "/api/v1/namespaces/default/serviceaccounts/"
	fake.objects[sas+"default"] = `{"apiVersion":"v1","kind":"ServiceAccount",
		"metadata":{"name":"default","namespace":"default"}}`
	fake.objects[sas+"builder"] = `{"apiVersion":"v1","kind":"ServiceAccount",
		"metadata":{"name":"builder","namespace":"default"},
		"secrets":[{"name":"builder-token"},{"name":"registry"}],
		"imagePullSecrets":[{"name":"registry"}],"automountServiceAccountToken":false}`
	tests := []struct {
		name string
		args []string
		out  string
	}{
		{"get by short name: SECRETS counts the secrets listed", []string{"get", "sa"},
			"NAME      SECRETS   AGE\nbuilder   2         <unknown>\ndefault   0         <unknown>\n"},
		{"describe", []string{"describe", "serviceaccount", "builder"},
			"Name:                builder\n" +
				"Namespace:           default\n" +
				"Labels:              <none>\n" +
				"Annotations:         <none>\n" +
				"Image pull secrets:  registry\n" +
				"Mountable secrets:   builder-token\n" +
				"                     registry\n" +
				"Tokens:              <none>\n" +
				"Events:              <none>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := kctl(t, server, "", tt.args...)
			if code != 0 || errOut != "" || out != tt.out {
				t.Errorf("exit %d, stderr %q, out\n%s\nwant\n%s", code, errOut, out, tt.out)
			}
		})
	}
}
