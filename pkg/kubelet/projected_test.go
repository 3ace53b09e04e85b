package kubelet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// fakeVolumeAPI plays the apiserver for projected volumes: ConfigMaps and
// Secrets from maps, tokens numbered token-1, token-2 … that live what
// was asked. It records the token requests.
type fakeVolumeAPI struct {
	now func() time.Time

	mu         sync.Mutex
	configMaps map[string]*api.ConfigMap // by namespace/name
	secrets    map[string]*api.Secret
	issued     int
	requests   []string // "namespace/account aud=… exp=… bound=Kind/name/uid"
	failTokens error    // every token request fails with it while set
}

var _ volumeAPI = (*fakeVolumeAPI)(nil)

func newFakeVolumeAPI(now func() time.Time) *fakeVolumeAPI {
	return &fakeVolumeAPI{now: now, configMaps: map[string]*api.ConfigMap{}, secrets: map[string]*api.Secret{}}
}

func notFoundStatus(resource, name string) error {
	return &api.Status{Status: "Failure", Code: http.StatusNotFound, Reason: "NotFound", Message: fmt.Sprintf("%s %q not found", resource, name)}
}

func (f *fakeVolumeAPI) GetConfigMap(_ context.Context, namespace, name string) (*api.ConfigMap, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cm, ok := f.configMaps[namespace+"/"+name]; ok {
		return api.DeepCopy(cm), nil
	}
	return nil, notFoundStatus("configmaps", name)
}

func (f *fakeVolumeAPI) GetSecret(_ context.Context, namespace, name string) (*api.Secret, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.secrets[namespace+"/"+name]; ok {
		return api.DeepCopy(s), nil
	}
	return nil, notFoundStatus("secrets", name)
}

func (f *fakeVolumeAPI) CreateToken(_ context.Context, namespace, account string, req *api.TokenRequest) (*api.TokenRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := req.Spec.BoundObjectRef
	f.requests = append(f.requests, fmt.Sprintf("%s/%s aud=%s exp=%d bound=%s/%s/%s/%s",
		namespace, account, strings.Join(req.Spec.Audiences, ","), *req.Spec.ExpirationSeconds, b.Kind, b.APIVersion, b.Name, b.UID))
	if f.failTokens != nil {
		return nil, f.failTokens
	}
	f.issued++
	out := *req
	out.Status = api.TokenRequestStatus{Token: fmt.Sprintf("token-%d", f.issued),
		ExpirationTimestamp: api.NewTime(f.now().Add(time.Duration(*req.Spec.ExpirationSeconds) * time.Second))}
	return &out, nil
}

func (f *fakeVolumeAPI) addConfigMap(namespace, name string, data map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.configMaps[namespace+"/"+name] = &api.ConfigMap{ObjectMeta: api.ObjectMeta{Namespace: namespace, Name: name}, Data: data}
}

func (f *fakeVolumeAPI) addSecret(namespace, name string, data map[string][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[namespace+"/"+name] = &api.Secret{ObjectMeta: api.ObjectMeta{Namespace: namespace, Name: name}, Data: data}
}

func (f *fakeVolumeAPI) takeRequests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

func (f *fakeVolumeAPI) setFailTokens(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failTokens = err
}

// withVolumes gives h's pod workers projected volumes under a temporary
// root, read from a fake API.
func withVolumes(h *harness) (*fakeVolumeAPI, string) {
	podsDir := filepath.Join(h.t.TempDir(), "pods")
	fake := newFakeVolumeAPI(h.clock.Now)
	h.w.volumes = newProjectedVolumes(podsDir, fake, h.events, h.clock.Now, 0, zap.NewNop())
	return fake, podsDir
}

// serviceAccountVolume is the volume the apiserver's ServiceAccount
// admission adds to a pod, mounted into each of its containers.
func serviceAccountVolume(p *api.Pod) *api.Pod {
	p.Spec.Volumes = append(p.Spec.Volumes, api.Volume{Name: "kube-api-access-x7k2q", VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{
		DefaultMode: api.Int32(api.DefaultProjectedMode),
		Sources: []api.VolumeProjection{
			{ServiceAccountToken: &api.ServiceAccountTokenProjection{ExpirationSeconds: api.Int64(3607), Path: "token"}},
			{ConfigMap: &api.ConfigMapProjection{Name: api.RootCAConfigMapName, Items: []api.KeyToPath{{Key: api.RootCAConfigMapKey, Path: "ca.crt"}}}},
			{DownwardAPI: &api.DownwardAPIProjection{Items: []api.DownwardAPIVolumeFile{
				{Path: "namespace", FieldRef: &api.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		},
	}}})
	for i := range p.Spec.Containers {
		p.Spec.Containers[i].VolumeMounts = append(p.Spec.Containers[i].VolumeMounts,
			api.VolumeMount{Name: "kube-api-access-x7k2q", MountPath: api.ServiceAccountMountPath, ReadOnly: true})
	}
	return p
}

// readVolume reads the files of a volume directory as a container would,
// through the links: "path=content (mode)", sorted.
func readVolume(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	read := func(path string) {
		b, err := os.ReadFile(path)
		info, serr := os.Stat(path)
		if err != nil || serr != nil {
			t.Fatalf("%s: %v %v", path, err, serr)
		}
		rel, _ := filepath.Rel(dir, path)
		out = append(out, fmt.Sprintf("%s=%s (%#o)", rel, b, info.Mode().Perm()))
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "..") {
			continue
		}
		if e.Type()&os.ModeSymlink == 0 {
			t.Errorf("%s is not a link into ..data", e.Name())
		}
		top := filepath.Join(dir, e.Name())
		if info, err := os.Stat(top); err != nil || !info.IsDir() {
			read(top)
			continue
		}
		filepath.WalkDir(top+"/", func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				read(path)
			}
			return err
		})
	}
	slices.Sort(out)
	return out
}

// The ServiceAccount volume, and one of every other source: the files are
// there before the container starts, the runtime is told where, and the
// token is bound to the pod.
func TestProjectedVolumeFiles(t *testing.T) {
	p := serviceAccountVolume(testPod("web", api.RestartAlways, "kubia"))
	p.Labels = map[string]string{"app": "web", "tier": `front "end"`}
	p.Spec.ServiceAccountName = "builder"
	p.Spec.Volumes = append(p.Spec.Volumes, api.Volume{Name: "more", VolumeSource: api.VolumeSource{Projected: &api.ProjectedVolumeSource{
		Sources: []api.VolumeProjection{
			{Secret: &api.SecretProjection{Name: "db", Items: []api.KeyToPath{{Key: "password", Path: "db/password", Mode: api.Int32(0o400)}}}},
			{Secret: &api.SecretProjection{Name: "absent", Optional: api.Bool(true)}},
			{ConfigMap: &api.ConfigMapProjection{Name: "settings"}},
			{DownwardAPI: &api.DownwardAPIProjection{Items: []api.DownwardAPIVolumeFile{
				{Path: "labels", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels"}},
				{Path: "app", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}, Mode: api.Int32(0o600)},
				{Path: "uid", FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.uid"}},
			}}},
			{ServiceAccountToken: &api.ServiceAccountTokenProjection{Audience: "vault", Path: "vault-token"}},
		},
	}}})
	h := newHarness(t, p)
	fake, podsDir := withVolumes(h)
	fake.addConfigMap("default", api.RootCAConfigMapName, map[string]string{"ca.crt": "-----BEGIN CERTIFICATE-----"})
	fake.addConfigMap("default", "settings", map[string]string{"color": "blue", "size": "L"})
	fake.secrets["default/db"] = &api.Secret{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "db"},
		Data: map[string][]byte{"password": []byte("s3cret"), "user": []byte("admin")}}
	h.sync("default/web")

	wantStrings(t, "runtime calls", h.rt.Calls(), []string{"runSandbox default/web ip=10.244.1.2", "start default/web/c0 attempt=0"})
	sa := filepath.Join(podsDir, "uid-web", "volumes", "kubernetes.io~projected", "kube-api-access-x7k2q")
	more := filepath.Join(podsDir, "uid-web", "volumes", "kubernetes.io~projected", "more")
	wantStrings(t, "ServiceAccount volume", readVolume(t, sa), []string{
		"ca.crt=-----BEGIN CERTIFICATE----- (0644)",
		"namespace=default (0644)",
		"token=token-1 (0644)",
	})
	wantStrings(t, "the other volume", readVolume(t, more), []string{
		"app=web (0600)",
		"color=blue (0644)",
		"db/password=s3cret (0400)",
		`labels=app="web"` + "\n" + `tier="front \"end\"" (0644)`,
		"size=L (0644)",
		"uid=uid-web (0644)",
		"vault-token=token-2 (0644)",
	})
	wantStrings(t, "token requests", fake.takeRequests(), []string{
		"default/builder aud= exp=3607 bound=Pod/v1/web/uid-web",
		"default/builder aud=vault exp=3600 bound=Pod/v1/web/uid-web",
	})
	if target, err := os.Readlink(filepath.Join(sa, "token")); err != nil || target != "..data/token" {
		t.Errorf("token links to %q, %v; want ..data/token", target, err)
	}
	cfg, _ := h.rt.LastConfig("uid-web", "c0")
	if cfg.VolumeDirs["kube-api-access-x7k2q"] != sa || cfg.VolumeDirs["more"] != more || len(cfg.VolumeDirs) != 2 {
		t.Errorf("the runtime was given volume dirs %v", cfg.VolumeDirs)
	}
	if st := h.api.lastStatus(t); state(st.ContainerStatuses[0]) != "running" {
		t.Errorf("status %s", state(st.ContainerStatuses[0]))
	}
}

// The token is asked for again when 80% of its life has passed, and the
// files change in one swap; a refresh that fails keeps the token and
// tries again after a back-off; in between, nothing is asked.
func TestProjectedTokenRefresh(t *testing.T) {
	h := newHarness(t, serviceAccountVolume(testPod("web", api.RestartAlways, "kubia")))
	fake, podsDir := withVolumes(h)
	fake.addConfigMap("default", api.RootCAConfigMapName, map[string]string{"ca.crt": "CA"})
	dir := filepath.Join(podsDir, "uid-web", "volumes", "kubernetes.io~projected", "kube-api-access-x7k2q")
	token := func() string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "token"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	h.sync("default/web")
	first, _ := os.Readlink(filepath.Join(dir, dataDirName))
	if token() != "token-1" || len(fake.takeRequests()) != 1 {
		t.Fatalf("token %q", token())
	}

	// 3607 s of life: refreshed at 80%, 2885.6 s. The files are read
	// again every minute meanwhile, with nothing changed.
	for range 48 {
		h.clock.Step(time.Minute)
		h.sync("default/web")
	}
	if now, _ := os.Readlink(filepath.Join(dir, dataDirName)); token() != "token-1" || now != first {
		t.Fatalf("after 48 min: token %q, ..data %s (was %s)", token(), now, first)
	}
	wantStrings(t, "requests before 80%", fake.takeRequests(), nil)
	h.clock.Step(6 * time.Second) // 2886 s
	h.sync("default/web")
	if token() != "token-2" || len(fake.takeRequests()) != 1 {
		t.Fatalf("at 80%%: token %q", token())
	}
	versions, _ := filepath.Glob(filepath.Join(dir, "..20*"))
	if now, _ := os.Readlink(filepath.Join(dir, dataDirName)); len(versions) != 1 || filepath.Base(versions[0]) != now || now == first {
		t.Errorf("versions %v, ..data %s: want one, the new one", versions, now)
	}

	// The next refresh fails: the token stays, the next try waits 1 s,
	// then 2 s.
	h.clock.Step(2886 * time.Second)
	fake.setFailTokens(errors.New("connection refused"))
	h.sync("default/web")
	h.sync("default/web") // within the back-off: nothing asked
	h.clock.Step(time.Second)
	h.sync("default/web")
	if token() != "token-2" || len(fake.takeRequests()) != 2 {
		t.Fatalf("refresh failing: token %q", token())
	}
	fake.setFailTokens(nil)
	h.clock.Step(time.Second)
	h.sync("default/web")
	wantStrings(t, "requests during the back-off", fake.takeRequests(), nil)
	h.clock.Step(time.Second)
	h.sync("default/web")
	if token() != "token-3" || len(fake.takeRequests()) != 1 {
		t.Fatalf("after the back-off: token %q", token())
	}
	if st := h.api.lastStatus(t); state(st.ContainerStatuses[0]) != "running" || len(h.rt.Calls()) != 2 {
		t.Errorf("the pod was disturbed: %s, calls %q", state(st.ContainerStatuses[0]), h.rt.Calls())
	}
}

// refreshAt is at 80% of a token's life, and a day after it was issued
// at the latest.
func TestTokenRefreshAt(t *testing.T) {
	tests := []struct {
		name string
		life time.Duration
		want time.Duration // after issue
	}{
		{name: "an hour", life: time.Hour, want: 48 * time.Minute},
		{name: "ten minutes", life: 10 * time.Minute, want: 8 * time.Minute},
		{name: "a year", life: 365 * 24 * time.Hour, want: 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := issuedToken{issued: t0, expires: t0.Add(tt.life)}
			if got := tok.refreshAt().Sub(t0); got != tt.want {
				t.Errorf("refreshAt = issued + %s, want + %s", got, tt.want)
			}
		})
	}
}

// A ConfigMap that is not there keeps the pod from starting, says why,
// and is looked for again with a back-off; once it is there the pod
// starts. An optional one does not hold the pod.
func TestMissingConfigMapBlocksStart(t *testing.T) {
	h := newHarness(t, serviceAccountVolume(testPod("web", api.RestartAlways, "kubia")))
	fake, _ := withVolumes(h)
	const why = `MountVolume.SetUp failed for volume "kube-api-access-x7k2q" : configmap "kube-root-ca.crt" not found`
	for _, wantRetry := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second} {
		h.sync("default/web")
		wantStrings(t, "runtime calls", h.rt.Calls(), nil)
		wantStrings(t, "events", h.events.take(), []string{"Warning FailedMount " + why})
		st := h.api.lastStatus(t)
		if got := state(st.ContainerStatuses[0]); got != "waiting ContainerCreating: "+why || st.Phase != api.PodPending {
			t.Fatalf("status %s %s", st.Phase, got)
		}
		if h.requeued["default/web"] != wantRetry {
			t.Fatalf("requeued after %s, want %s", h.requeued["default/web"], wantRetry)
		}
		h.clock.Step(wantRetry)
	}

	fake.addConfigMap("default", api.RootCAConfigMapName, map[string]string{"ca.crt": "CA"})
	h.sync("default/web")
	wantStrings(t, "runtime calls once it exists", h.rt.Calls(), []string{"runSandbox default/web ip=10.244.1.2", "start default/web/c0 attempt=0"})
	if got := state(h.api.lastStatus(t).ContainerStatuses[0]); got != "running" {
		t.Errorf("status %s", got)
	}

	// Deleted under the running pod: the files stay, the event says so.
	delete(fake.configMaps, "default/"+api.RootCAConfigMapName)
	h.events.take()
	h.clock.Step(time.Minute)
	h.sync("default/web")
	wantStrings(t, "events of a failed rewrite", h.events.take(), []string{"Warning FailedMount " + why})
	if got := state(h.api.lastStatus(t).ContainerStatuses[0]); got != "running" {
		t.Errorf("status after the ConfigMap went: %s", got)
	}

	t.Run("optional", func(t *testing.T) {
		p := serviceAccountVolume(testPod("web", api.RestartAlways, "kubia"))
		p.Spec.Volumes[0].Projected.Sources[1].ConfigMap.Optional = api.Bool(true)
		h := newHarness(t, p)
		_, podsDir := withVolumes(h)
		h.sync("default/web")
		wantStrings(t, "runtime calls", h.rt.Calls(), []string{"runSandbox default/web ip=10.244.1.2", "start default/web/c0 attempt=0"})
		dir := filepath.Join(podsDir, "uid-web", "volumes", "kubernetes.io~projected", "kube-api-access-x7k2q")
		wantStrings(t, "files", readVolume(t, dir), []string{"namespace=default (0644)", "token=token-1 (0644)"})
	})
	t.Run("a missing key", func(t *testing.T) {
		h := newHarness(t, serviceAccountVolume(testPod("web", api.RestartAlways, "kubia")))
		fake, _ := withVolumes(h)
		fake.addConfigMap("default", api.RootCAConfigMapName, map[string]string{"other": "x"})
		h.sync("default/web")
		wantStrings(t, "events", h.events.take(), []string{`Warning FailedMount MountVolume.SetUp failed for volume "kube-api-access-x7k2q" : configmap references non-existent config key: ca.crt`})
	})
	t.Run("no token", func(t *testing.T) {
		h := newHarness(t, serviceAccountVolume(testPod("web", api.RestartAlways, "kubia")))
		fake, _ := withVolumes(h)
		fake.addConfigMap("default", api.RootCAConfigMapName, map[string]string{"ca.crt": "CA"})
		fake.setFailTokens(&api.Status{Code: http.StatusForbidden, Reason: "Forbidden", Message: "no"})
		h.sync("default/web")
		wantStrings(t, "runtime calls", h.rt.Calls(), nil)
		wantStrings(t, "events", h.events.take(), []string{`Warning FailedMount MountVolume.SetUp failed for volume "kube-api-access-x7k2q" : failed to fetch token: no`})
	})
}

// The volumes go with the pod, and so does the pod's directory when
// nothing else is in it.
func TestProjectedVolumeGoesWithThePod(t *testing.T) {
	h := newHarness(t, serviceAccountVolume(testPod("web", api.RestartAlways, "kubia")))
	fake, podsDir := withVolumes(h)
	fake.addConfigMap("default", api.RootCAConfigMapName, map[string]string{"ca.crt": "CA"})
	h.sync("default/web")
	if _, err := os.Stat(filepath.Join(podsDir, "uid-web", "volumes", "kubernetes.io~projected", "kube-api-access-x7k2q", "token")); err != nil {
		t.Fatal(err)
	}

	p := api.DeepCopy(h.pod("default/web"))
	at := api.NewTime(t0.Add(time.Second))
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds, p.ResourceVersion = &at, api.Int64(5), "9"
	h.pods.put(p)
	var leftAtDelete error
	h.api.onDelete = func() { _, leftAtDelete = os.Stat(filepath.Join(podsDir, "uid-web")) }
	h.sync("default/web")
	if !os.IsNotExist(leftAtDelete) {
		t.Errorf("the pod's directory at the final delete: %v; want it gone", leftAtDelete)
	}
	h.w.volumes.mu.Lock()
	defer h.w.volumes.mu.Unlock()
	if len(h.w.volumes.next) != 0 || len(h.w.volumes.tokens.tokens) != 0 {
		t.Errorf("remembered after the pod went: %v, %d tokens", h.w.volumes.next, len(h.w.volumes.tokens.tokens))
	}
}
