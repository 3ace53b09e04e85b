package kctl

import (
	"encoding/base64"
	"strings"
	"testing"
)

// The values of these Secrets must never be printed by describe; each is
// distinct enough to find in any output, plain or base64.
var secretValues = []string{"s3cr3t!!", "eyJhbGciOiJSUzI1NiJ9.token", "-----BEGIN EC PRIVATE KEY-----"}

const (
	appConfigMap = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app","namespace":"default","uid":"cm1"},
		"data":{"url":"http://db","game.properties":"lives=3\nlevel=2"},"binaryData":{"logo.png":"iVBORv/+"}}`
	dbSecret = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"default","uid":"s1","labels":{"app":"db"}},
		"type":"Opaque","data":{"password":"czNjcjN0ISE=","username":"YWRtaW4="}}`
	tokenSecret = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"builder-token","namespace":"default","uid":"s2",
		"annotations":{"kubernetes.io/service-account.name":"builder"}},"type":"kubernetes.io/service-account-token",
		"data":{"token":"ZXlKaGJHY2lPaUpTVXpJMU5pSjkudG9rZW4=","namespace":"ZGVmYXVsdA=="}}`
	tlsSecret = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"web-tls","namespace":"default","uid":"s3"},
		"type":"kubernetes.io/tls","data":{"tls.crt":"","tls.key":"LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t"}}`
)

func TestGetAndDescribeConfiguration(t *testing.T) {
	fake, server := newFakeAPI(t)
	fake.objects["/api/v1/namespaces/default/configmaps/app"] = appConfigMap
	fake.objects["/api/v1/namespaces/default/secrets/db"] = dbSecret
	fake.objects["/api/v1/namespaces/default/secrets/builder-token"] = tokenSecret
	fake.objects["/api/v1/namespaces/default/secrets/web-tls"] = tlsSecret
	fake.objects["/api/v1/namespaces/default/events/app.1"] = `{"apiVersion":"v1","kind":"Event","metadata":{"name":"app.1","namespace":"default"},
		"involvedObject":{"kind":"ConfigMap","name":"app","namespace":"default","uid":"cm1"},"reason":"Checked","message":"ok","type":"Normal"}`
	tests := []struct {
		name string
		args []string
		out  string
	}{
		{"get configmaps: DATA counts binaryData too", []string{"get", "configmaps"},
			"NAME   DATA   AGE\napp    3      <unknown>\n"},
		{"get secrets", []string{"get", "secrets"}, "" +
			"NAME            TYPE                                  DATA   AGE\n" +
			"builder-token   kubernetes.io/service-account-token   2      <unknown>\n" +
			"db              Opaque                                2      <unknown>\n" +
			"web-tls         kubernetes.io/tls                     2      <unknown>\n"},
		{"describe configmap: each value, and the sizes of binaryData", []string{"describe", "cm", "app"}, "" +
			"Name:         app\n" +
			"Namespace:    default\n" +
			"Labels:       <none>\n" +
			"Annotations:  <none>\n" +
			"\n" +
			"Data\n" +
			"====\n" +
			"game.properties:\n" +
			"----\n" +
			"lives=3\n" +
			"level=2\n" +
			"\n" +
			"url:\n" +
			"----\n" +
			"http://db\n" +
			"\n" +
			"\n" +
			"BinaryData\n" +
			"====\n" +
			"logo.png: 6 bytes\n" +
			"\n" +
			"Events:\n" +
			"  Type    Reason   Age        From  Message\n" +
			"  ----    ------   ---        ----  -------\n" +
			"  Normal  Checked  <unknown>        ok\n"},
		{"describe secret: the sizes only", []string{"describe", "secret", "db"}, "" +
			"Name:         db\n" +
			"Namespace:    default\n" +
			"Labels:       app=db\n" +
			"Annotations:  <none>\n" +
			"\n" +
			"Type:  Opaque\n" +
			"\n" +
			"Data\n" +
			"====\n" +
			"password:  8 bytes\n" +
			"username:  5 bytes\n"},
		{"describe secret: a token's size, where kubectl prints the token", []string{"describe", "secret/builder-token"}, "" +
			"Name:         builder-token\n" +
			"Namespace:    default\n" +
			"Labels:       <none>\n" +
			"Annotations:  kubernetes.io/service-account.name: builder\n" +
			"\n" +
			"Type:  kubernetes.io/service-account-token\n" +
			"\n" +
			"Data\n" +
			"====\n" +
			"namespace:  7 bytes\n" +
			"token:      26 bytes\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := kctl(t, server, "", tt.args...)
			if code != 0 || errOut != "" || out != tt.out {
				t.Errorf("exit %d, stderr %q, out\n%s\nwant\n%s", code, errOut, out, tt.out)
			}
		})
	}
	t.Run("no describe prints a secret's value", func(t *testing.T) {
		for _, args := range [][]string{{"describe", "secrets"}, {"describe", "secret", "-l", "app=db"}, {"describe", "secret/web-tls"}} {
			out, _, code := kctl(t, server, "", args...)
			if code != 0 || strings.Count(out, "Data\n====\n") == 0 {
				t.Fatalf("%v: exit %d, out\n%s", args, code, out)
			}
			for _, v := range secretValues {
				if strings.Contains(out, v) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(v))) {
					t.Errorf("%v prints the value %q:\n%s", args, v, out)
				}
			}
		}
	})
}
