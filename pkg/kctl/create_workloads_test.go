package kctl

import (
	"net/http"
	"strings"
	"testing"
)

// cronJobJSON is a CronJob whose jobTemplate has labels and annotations
// of its own, for create job --from.
const cronJobJSON = `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"cj","namespace":"default","uid":"u-1"},` +
	`"spec":{"schedule":"* * * * *","jobTemplate":{"metadata":{"labels":{"l":"v"},"annotations":{"a":"b"}},` +
	`"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox"}],"restartPolicy":"OnFailure"}}}}}}`

// generatorCase is one command line of a generator and the object it
// must post, or the error it must stop with.
type generatorCase struct {
	name     string
	args     []string
	out      string
	errOut   string
	code     int
	postPath string
	postBody string
}

// runGeneratorCases runs each case against a fake API holding objects.
func runGeneratorCases(t *testing.T, objects map[string]string, tests []generatorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			for k, v := range objects {
				fake.objects[k] = v
			}
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tt.out, tt.errOut, tt.code)
			}
			post := fake.last(http.MethodPost)
			if post.path != tt.postPath || post.body != tt.postBody {
				t.Errorf("POST %s\n%s\nwant %s\n%s", post.path, post.body, tt.postPath, tt.postBody)
			}
		})
	}
}

func TestCreateWorkloads(t *testing.T) {
	const deploys, jobs = "/apis/apps/v1/namespaces/default/deployments", "/apis/batch/v1/namespaces/default/jobs"
	runGeneratorCases(t, map[string]string{"/apis/batch/v1/namespaces/default/cronjobs/cj": cronJobJSON}, []generatorCase{
		{"deployment", []string{"create", "deployment", "web", "--image=nginx:1.25", "--port=80", "--replicas=3"},
			"deployment.apps/web created\n", "", 0, deploys,
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"replicas":3,` +
				`"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},` +
				`"spec":{"containers":[{"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":80}]}]}}}}`},
		{"deploy with a command, in -n", []string{"create", "deploy", "web", "--image=registry:5000/my_app@sha256:ab", "-n", "ci", "--", "sleep", "1"},
			"deployment.apps/web created\n", "", 0, "/apis/apps/v1/namespaces/ci/deployments",
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"ci","labels":{"app":"web"}},"spec":{"replicas":1,` +
				`"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},` +
				`"spec":{"containers":[{"name":"my-app","image":"registry:5000/my_app@sha256:ab","command":["sleep","1"]}]}}}}`},
		{"deployment without an image", []string{"create", "deployment", "web"}, "", "error: required flag(s) \"image\" not set\n", 1, "", ""},
		{"deployment: several images and a command", []string{"create", "deployment", "web", "--image=a", "--image=b", "--", "date"}, "",
			"error: cannot specify multiple --image options and command\n", 1, "", ""},
		{"deployment: name only after --", []string{"create", "deployment", "--image=a", "--", "web"}, "",
			"error: exactly one NAME is required, got 0\n", 1, "", ""},
		{"deployment: dry run", []string{"create", "deployment", "web", "--image=nginx", "--dry-run=client"},
			"deployment.apps/web created (dry run)\n", "", 0, "", ""},
		{"deployment: dry run, -o name", []string{"create", "deployment", "web", "--image=nginx", "--dry-run=client", "-o", "name"},
			"deployment.apps/web\n", "", 0, "", ""},

		{"job", []string{"create", "job", "j", "--image=busybox", "--", "date"}, "job.batch/j created\n", "", 0, jobs,
			`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"template":{"spec":{` +
				`"containers":[{"name":"j","image":"busybox","command":["date"]}],"restartPolicy":"Never"}}}}`},
		{"job from a cronjob", []string{"create", "job", "j", "--from=cronjob/cj"}, "job.batch/j created\n", "", 0, jobs,
			`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","labels":{"l":"v"},` +
				`"annotations":{"a":"b","cronjob.kubernetes.io/instantiate":"manual"},` +
				`"ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"cj","uid":"u-1","controller":true}]},` +
				`"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox"}],"restartPolicy":"OnFailure"}}}}`},
		{"job from a missing cronjob", []string{"create", "job", "j", "--from=cj/nope"}, "",
			"Error from server (NotFound): cronjobs \"nope\" not found\n", 1, "", ""},
		{"job from a deployment", []string{"create", "job", "j", "--from=deployment/web"}, "",
			"error: from must be an existing cronjob, got deployment/web\n", 1, "", ""},
		{"job with neither", []string{"create", "job", "j"}, "", "error: either --image or --from must be specified\n", 1, "", ""},
		{"job with both", []string{"create", "job", "j", "--image=a", "--from=cronjob/cj"}, "",
			"error: --image and --from can't be specified together\n", 1, "", ""},

		{"cronjob", []string{"create", "cronjob", "nightly", "--image=busybox", "--schedule=*/1 * * * *", "--", "date"},
			"cronjob.batch/nightly created\n", "", 0, "/apis/batch/v1/namespaces/default/cronjobs",
			`{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly"},"spec":{"schedule":"*/1 * * * *",` +
				`"jobTemplate":{"metadata":{"name":"nightly"},"spec":{"template":{"spec":{` +
				`"containers":[{"name":"nightly","image":"busybox","command":["date"]}],"restartPolicy":"OnFailure"}}}}}}`},
		{"cronjob, restart Never", []string{"create", "cj", "n", "--image=b", "--schedule=@hourly", "--restart=Never"},
			"cronjob.batch/n created\n", "", 0, "/apis/batch/v1/namespaces/default/cronjobs",
			`{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"n"},"spec":{"schedule":"@hourly",` +
				`"jobTemplate":{"metadata":{"name":"n"},"spec":{"template":{"spec":{` +
				`"containers":[{"name":"n","image":"b"}],"restartPolicy":"Never"}}}}}}`},
		{"cronjob without a schedule", []string{"create", "cronjob", "n", "--image=b"}, "",
			"error: required flag(s) \"schedule\" not set\n", 1, "", ""},
		{"cronjob restart Always", []string{"create", "cronjob", "n", "--image=b", "--schedule=@hourly", "--restart=Always"}, "",
			"error: invalid restart policy \"Always\": a cronjob's is OnFailure or Never\n", 1, "", ""},
	})
}

func TestCreateDeploymentDryRunYAML(t *testing.T) {
	out, errOut, code := kctl(t, closedAddress(t), "", "create", "deployment", "web", "--image=nginx", "--image=nginx:2", "--dry-run=client", "-o", "yaml")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"kind: Deployment\n", "  replicas: 1\n", "      - image: nginx\n        name: nginx\n", "      - image: nginx:2\n        name: nginx-"} {
		if !strings.Contains(out, want) {
			t.Errorf("yaml lacks %q:\n%s", want, out)
		}
	}
}

func TestContainerName(t *testing.T) {
	tests := []struct{ image, want string }{
		{"nginx", "nginx"},
		{"nginx:1.25", "nginx"},
		{"docker.io/library/nginx@sha256:abc", "nginx"},
		{"localhost:5000/my_app:v1", "my-app"},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			if got := containerName(tt.image, map[string]bool{}); got != tt.want {
				t.Errorf("containerName(%q) = %q, want %q", tt.image, got, tt.want)
			}
		})
	}
	taken := map[string]bool{}
	a, b := containerName("nginx", taken), containerName("nginx:2", taken)
	if a != "nginx" || !strings.HasPrefix(b, "nginx-") || len(b) != len("nginx-")+5 {
		t.Errorf("a repeated name: %q then %q, want nginx then nginx-xxxxx", a, b)
	}
}
