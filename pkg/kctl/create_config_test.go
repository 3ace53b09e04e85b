package kctl

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
)

// configDir is a directory as --from-file reads it: a text file, a binary
// one, and a subdirectory that is not a key.
func configDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "game.properties", "lives=3\n")
	writeFile(t, dir, "logo.png", "\x89PNG\xff\xfe")
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "sub/ignored", "x")
	return dir
}

func TestCreateConfigMap(t *testing.T) {
	const cms = "/api/v1/namespaces/default/configmaps"
	dir := configDir(t)
	env := writeFile(t, t.TempDir(), "app.env", "\xEF\xBB\xBFMODE=dev\n\n# a comment\n  URL=http://db?a=b\nFROM_ENV\n")
	badEnv := writeFile(t, t.TempDir(), "bad.env", "1ST=x\n")
	t.Setenv("FROM_ENV", "inherited")
	runGeneratorCases(t, map[string]string{cms + "/taken": `{"kind":"ConfigMap","metadata":{"name":"taken"}}`}, []generatorCase{
		{"literals; a value may hold '='", []string{"create", "configmap", "app", "--from-literal=mode=dev", "--from-literal=url=http://db?a=b"},
			"configmap/app created\n", "", 0, cms,
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app"},"data":{"mode":"dev","url":"http://db?a=b"}}`},
		{"a directory: each regular file, binary ones in binaryData", []string{"create", "cm", "game", "--from-file=" + dir, "-n", "ci"},
			"configmap/game created\n", "", 0, "/api/v1/namespaces/ci/configmaps",
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"game","namespace":"ci"},"data":{"game.properties":"lives=3\n"},` +
				`"binaryData":{"logo.png":"` + base64.StdEncoding.EncodeToString([]byte("\x89PNG\xff\xfe")) + `"}}`},
		{"a file under a key of its own", []string{"create", "configmap", "game", "--from-file=settings=" + filepath.Join(dir, "game.properties")},
			"configmap/game created\n", "", 0, cms,
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"game"},"data":{"settings":"lives=3\n"}}`},
		{"an env file: BOM, blanks and comments skipped, a bare name taken from the environment",
			[]string{"create", "configmap", "app", "--from-env-file=" + env}, "configmap/app created\n", "", 0, cms,
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app"},"data":{"FROM_ENV":"inherited","MODE":"dev","URL":"http://db?a=b"}}`},
		{"dry run", []string{"create", "configmap", "app", "--from-literal=a=b", "--dry-run=client", "-o", "yaml"},
			"apiVersion: v1\ndata:\n  a: b\nkind: ConfigMap\nmetadata:\n  name: app\n", "", 0, "", ""},
		{"an existing name", []string{"create", "configmap", "taken"}, "",
			"Error from server (AlreadyExists): configmaps \"taken\" already exists\n", 1, cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"taken"}}`},

		{"an invalid key", []string{"create", "configmap", "app", "--from-literal=db/url=x"}, "",
			`error: "db/url" is not a valid key name for a ConfigMap: a valid config key must consist of alphanumeric characters, '-', '_' or '.' ` +
				`(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')` + "\n", 1, "", ""},
		{"a key given twice", []string{"create", "configmap", "app", "--from-literal=a=1", "--from-literal=a=2"}, "",
			"error: cannot add key \"a\", another key by that name already exists in Data for ConfigMap \"app\"\n", 1, "", ""},
		{"a literal over a binary file", []string{"create", "configmap", "app", "--from-file=" + dir, "--from-literal=logo.png=x"}, "",
			"error: cannot add key \"logo.png\", another key by that name already exists in BinaryData for ConfigMap \"app\"\n", 1, "", ""},
		{"a literal without '='", []string{"create", "configmap", "app", "--from-literal=a"}, "",
			"error: invalid literal source a, expected key=value\n", 1, "", ""},
		{"a missing file", []string{"create", "configmap", "app", "--from-file=" + filepath.Join(dir, "nope")}, "",
			"error: error reading " + filepath.Join(dir, "nope") + ": no such file or directory\n", 1, "", ""},
		{"a key for a directory", []string{"create", "configmap", "app", "--from-file=all=" + dir}, "",
			"error: cannot give a key name for a directory path\n", 1, "", ""},
		{"a key without a path", []string{"create", "configmap", "app", "--from-file=conf="}, "",
			"error: file path for key name conf missing\n", 1, "", ""},
		{"an env file with other sources", []string{"create", "configmap", "app", "--from-env-file=" + env, "--from-literal=a=b"}, "",
			"error: from-env-file cannot be combined with from-file or from-literal\n", 1, "", ""},
		{"an env file with a name no variable may have", []string{"create", "configmap", "app", "--from-env-file=" + badEnv}, "",
			`error: "1ST" is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', ` +
				`and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')` + "\n",
			1, "", ""},
		{"no name", []string{"create", "configmap", "--from-literal=a=b"}, "", "error: exactly one NAME is required, got 0\n", 1, "", ""},
	})
}

func TestCreateSecret(t *testing.T) {
	const secrets = "/api/v1/namespaces/default/secrets"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	dir := configDir(t)
	pki := newTestPKI(t)
	tmp := t.TempDir()
	cert, key := writeFile(t, tmp, "tls.crt", string(pki.clientCert)), writeFile(t, tmp, "tls.key", string(pki.clientKey))
	otherCert := writeFile(t, tmp, "ca.crt", string(pki.caPEM))
	dockerConfig := `{"auths":{"registry.local:5000":{"username":"ci","password":"s3cr3t","email":"ci@example.com","auth":"Y2k6czNjcjN0"}}}`
	runGeneratorCases(t, nil, []generatorCase{
		{"generic from literals", []string{"create", "secret", "generic", "db", "--from-literal=username=admin", "--from-literal=password=s3cr3t!!"},
			"secret/db created\n", "", 0, secrets,
			`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"data":{"password":"czNjcjN0ISE=","username":"YWRtaW4="}}`},
		{"generic from a directory, binary files too, with a type", []string{"create", "secret", "generic", "files", "--from-file=" + dir, "--type=example.com/files"},
			"secret/files created\n", "", 0, secrets,
			`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"files"},"type":"example.com/files",` +
				`"data":{"game.properties":"` + b64("lives=3\n") + `","logo.png":"` + b64("\x89PNG\xff\xfe") + `"}}`},
		{"generic: an invalid key", []string{"create", "secret", "generic", "db", "--from-literal=a b=c"}, "",
			`error: "a b" is not valid key name for a Secret a valid config key must consist of alphanumeric characters, '-', '_' or '.' ` +
				`(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')` + "\n", 1, "", ""},
		{"generic: a key given twice", []string{"create", "secret", "generic", "db", "--from-file=a=" + cert, "--from-literal=a=b"}, "",
			"error: cannot add key a, another key by that name already exists\n", 1, "", ""},

		{"tls", []string{"create", "secret", "tls", "web-tls", "--cert=" + cert, "--key=" + key},
			"secret/web-tls created\n", "", 0, secrets,
			`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"web-tls"},"type":"kubernetes.io/tls",` +
				`"data":{"tls.crt":"` + b64(string(pki.clientCert)) + `","tls.key":"` + b64(string(pki.clientKey)) + `"}}`},
		{"tls: a key of another certificate", []string{"create", "secret", "tls", "web-tls", "--cert=" + otherCert, "--key=" + key}, "",
			"error: tls: private key does not match public key\n", 1, "", ""},
		{"tls: no key", []string{"create", "secret", "tls", "web-tls", "--cert=" + cert}, "",
			"error: key and cert must be specified\n", 1, "", ""},
		{"tls: a missing file", []string{"create", "secret", "tls", "web-tls", "--cert=" + cert, "--key=" + filepath.Join(tmp, "nope")}, "",
			"error: Cannot read file " + filepath.Join(tmp, "nope") + ", open " + filepath.Join(tmp, "nope") + ": no such file or directory\n", 1, "", ""},

		{"docker-registry", []string{"create", "secret", "docker-registry", "pull", "--docker-server=registry.local:5000",
			"--docker-username=ci", "--docker-password=s3cr3t", "--docker-email=ci@example.com"},
			"secret/pull created\n", "", 0, secrets,
			`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"pull"},"type":"kubernetes.io/dockerconfigjson",` +
				`"data":{".dockerconfigjson":"` + b64(dockerConfig) + `"}}`},
		{"docker-registry: Docker Hub by default, no email", []string{"create", "secret", "docker-registry", "hub", "--docker-username=u", "--docker-password=p"},
			"secret/hub created\n", "", 0, secrets,
			`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"hub"},"type":"kubernetes.io/dockerconfigjson",` +
				`"data":{".dockerconfigjson":"` + b64(`{"auths":{"https://index.docker.io/v1/":{"username":"u","password":"p","auth":"dTpw"}}}`) + `"}}`},
		{"docker-registry: no password", []string{"create", "secret", "docker-registry", "pull", "--docker-username=ci"}, "",
			"error: either --from-file or the combination of --docker-username, --docker-password and --docker-server is required\n", 1, "", ""},
		{"dry run", []string{"create", "secret", "generic", "db", "--from-literal=password=s3cr3t!!", "--dry-run=client"},
			"secret/db created (dry run)\n", "", 0, "", ""},
	})
}
