package compat

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The cluster every test of the package talks to.
var (
	repo      string // the kubelab repository
	binDir    string // kubectl and clientcheck
	stateDir  string // the cluster's KUBELAB_DIR
	cacheDir  string // kubectl's discovery and OpenAPI cache, fresh
	adminConf string
	runtime   string // the nodes' runtime: fake, or docker for one real node
)

// The cluster's nodes: KUBELAB_COMPAT_RUNTIME=docker runs the suite against
// one node on Docker, as `make up` starts it as root, for what simulated
// nodes cannot show (logs, exec, cp, port-forward); make test does so in a
// step of its own, since that node owns the host's pod network. Otherwise
// (the default) two simulated nodes.
const runtimeEnv = "KUBELAB_COMPAT_RUNTIME"

func TestMain(m *testing.M) {
	if os.Getenv("KUBELAB_COMPAT") == "skip" {
		fmt.Println("KUBELAB_COMPAT=skip: not building kubectl")
		os.Exit(0)
	}
	runtime = os.Getenv(runtimeEnv)
	switch runtime {
	case "", "fake":
		runtime = "fake"
	case "docker":
		if why := dockerNodeMissing(); why != "" {
			fmt.Printf("%s=docker: skipping, %s\n", runtimeEnv, why)
			os.Exit(0)
		}
	default:
		fmt.Fprintf(os.Stderr, "%s=%q: want fake or docker\n", runtimeEnv, runtime)
		os.Exit(2)
	}
	os.Exit(run(m))
}

// dockerNodeMissing says why a Docker node cannot run here, or "".
func dockerNodeMissing() string {
	switch {
	case os.Geteuid() != 0:
		return "a Docker node needs root"
	case exec.Command("docker", "info").Run() != nil:
		return "Docker is not reachable"
	case exec.Command("ip", "link", "show", "klab0").Run() == nil:
		return "a kubelab node runs on this host (bridge klab0): make down first"
	case exec.Command("ip", "link", "show", "klab-lab").Run() == nil:
		return "a kubelab lab runs on this host (bridge klab-lab): make lab-down first"
	}
	return ""
}

func run(m *testing.M) int {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	repo = filepath.Join(wd, "..", "..")
	tmp, err := os.MkdirTemp("", "kubelab-compat-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binDir, stateDir, cacheDir = filepath.Join(tmp, "bin"), filepath.Join(tmp, "kubelab"), filepath.Join(tmp, "cache")
	adminConf = filepath.Join(stateDir, "admin.conf")
	ldflags, err := versionFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, step := range [][]string{
		{"make", "-C", repo, "build"},
		{"go", "build", "-ldflags", ldflags, "-o", binDir + "/", "./cmd/kubectl", "./cmd/clientcheck"},
	} {
		if out, err := exec.Command(step[0], step[1:]...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n%s", strings.Join(step, " "), err, out)
			return 1
		}
	}
	addr, err := freeAddr()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dashboard, err := freeAddr()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env := append(os.Environ(), "KUBELAB_DIR="+stateDir, "KUBELAB_LISTEN="+addr, "DASHBOARD_LISTEN="+dashboard)
	if runtime == "docker" {
		env = append(env, "NODES=1", "RUNTIME=docker")
	} else {
		env = append(env, "NODES=2", "RUNTIME=fake")
	}
	var once sync.Once
	down := func() {
		once.Do(func() {
			down := exec.Command("hack/down.sh")
			down.Dir, down.Env = repo, env
			if out, err := down.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "hack/down.sh: %v\n%s", err, out)
			}
		})
	}
	defer down()
	// go test's -timeout ends the process with a panic, which runs no
	// deferred call: stop the cluster (and a Docker node's network) a
	// little before.
	flag.Parse()
	if d := flag.Lookup("test.timeout").Value.(flag.Getter).Get().(time.Duration); d > 0 {
		stop := time.AfterFunc(d-20*time.Second, func() {
			fmt.Fprintln(os.Stderr, "the tests are about to time out: stopping the cluster")
			logs(stateDir)
			down()
		})
		defer stop.Stop()
	}
	up := exec.Command("hack/up.sh")
	up.Dir, up.Env = repo, env
	if out, err := up.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "hack/up.sh: %v\n%s", err, out)
		logs(stateDir)
		return 1
	}
	code := m.Run()
	if code != 0 {
		logs(stateDir)
	}
	return code
}

// versionFlags are the -ldflags that stamp kubectl with its release, as
// Kubernetes' build does: k8s.io/kubectl v0.37.2 is kubectl v1.37.2.
func versionFlags() (string, error) {
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(mod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "k8s.io/kubectl" && strings.HasPrefix(f[1], "v0.") {
			minor, _, _ := strings.Cut(strings.TrimPrefix(f[1], "v0."), ".")
			v := "v1." + strings.TrimPrefix(f[1], "v0.")
			var flags []string
			for _, pkg := range []string{"k8s.io/client-go/pkg/version", "k8s.io/component-base/version"} {
				flags = append(flags, "-X "+pkg+".gitVersion="+v, "-X "+pkg+".gitMajor=1", "-X "+pkg+".gitMinor="+minor,
					"-X "+pkg+".gitTreeState=clean")
			}
			return strings.Join(flags, " "), nil
		}
	}
	return "", fmt.Errorf("go.mod requires no k8s.io/kubectl v0.x")
}

// logs prints the last lines of each component's log.
func logs(dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		fmt.Fprintf(os.Stderr, "--- %s (last lines)\n%s\n", filepath.Base(f), strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// kubectl runs the real kubectl as the cluster's admin, with a fresh
// cache and no other flag, and returns its output and error output.
func kubectl(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	return kubectlEnv(t, nil, stdin, args...)
}

// kubectlEnv is kubectl with more environment variables, such as an
// EDITOR.
func kubectlEnv(t *testing.T, env []string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "kubectl"), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+adminConf, "KUBECACHEDIR="+cacheDir, "HOME="+filepath.Dir(cacheDir))
	cmd.Env = append(cmd.Env, env...)
	cmd.Dir = repo
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// mustKubectl runs kubectl and fails the test unless it succeeds.
func mustKubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := kubectl(t, "", args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// needDockerNode skips the test unless the cluster's node runs on Docker.
func needDockerNode(t *testing.T) {
	t.Helper()
	if runtime != "docker" {
		t.Skipf("needs the Docker node: %s=docker runs it (make test does)", runtimeEnv)
	}
}

// eventually retries cond for up to 30 s.
func eventually(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
