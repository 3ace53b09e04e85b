package tokencleaner

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
	"kubelab/pkg/controller/controllertest"
)

var now = time.Date(2025, 1, 2, 12, 0, 0, 0, time.UTC)

// token is a bootstrap token Secret expiring at exp ("" for never).
func token(id, exp string) *api.Secret {
	s := auth.BootstrapTokenSecret(id, "0123456789abcdef", 0, nil, "")
	s.UID = "uid-" + id
	if exp != "" {
		s.Data[auth.BootstrapTokenExpirationKey] = []byte(exp)
	}
	return s
}

func TestSync(t *testing.T) {
	notFound := &api.Status{Code: http.StatusNotFound, Reason: "NotFound", Message: `secrets "bootstrap-token-abcdef" not found`}
	opaque := token("abcdef", "2025-01-01T00:00:00Z")
	opaque.Type = "Opaque"
	elsewhere := token("abcdef", "2025-01-01T00:00:00Z")
	elsewhere.Namespace = "default"
	tests := []struct {
		name       string
		secret     *api.Secret
		fail       error
		wantWrites []string
		wantErr    bool
	}{
		{name: "an expired token is deleted", secret: token("abcdef", "2025-01-02T11:59:59Z"),
			wantWrites: []string{"delete secrets kube-system/bootstrap-token-abcdef"}},
		{name: "a token expiring now is deleted", secret: token("abcdef", "2025-01-02T12:00:00Z"),
			wantWrites: []string{"delete secrets kube-system/bootstrap-token-abcdef"}},
		{name: "a token expiring later stays (TestRequeueAtExpiration: until then)", secret: token("abcdef", "2025-01-02T13:00:00Z")},
		{name: "a token without expiration stays", secret: token("abcdef", "")},
		{name: "a token whose expiration is unreadable stays", secret: token("abcdef", "tomorrow")},
		{name: "a Secret of another type stays", secret: opaque},
		{name: "a token Secret outside kube-system is not a token", secret: elsewhere},
		{name: "a token deleted meanwhile is success", secret: token("abcdef", "2025-01-01T00:00:00Z"), fail: notFound,
			wantWrites: []string{"delete secrets kube-system/bootstrap-token-abcdef"}},
		{name: "a failed delete is returned, to be retried", secret: token("abcdef", "2025-01-01T00:00:00Z"), fail: errors.New("connection refused"),
			wantWrites: []string{"delete secrets kube-system/bootstrap-token-abcdef"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &controllertest.Writer{}
			if tt.fail != nil {
				w.Fail = map[string]error{"delete secrets": tt.fail}
			}
			c := New(controllertest.NewLister(tt.secret), w, nil)
			c.now = func() time.Time { return now }
			key := tt.secret.Namespace + "/" + tt.secret.Name
			err := c.Sync(context.Background(), key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Sync error = %v, want error %v", err, tt.wantErr)
			}
			if got := w.Strings(); !slices.Equal(got, tt.wantWrites) {
				t.Errorf("writes = %q, want %q", got, tt.wantWrites)
			}
			for _, a := range w.Actions {
				if p := a.Options.Preconditions; p == nil || p.UID == nil || *p.UID != tt.secret.UID {
					t.Errorf("delete without the UID precondition: %+v", a.Options)
				}
			}
			if c.Queue().Len() != 0 {
				t.Errorf("queued again at once")
			}
		})
	}
}

// A token expiring shortly comes back to the queue when it expires.
func TestRequeueAtExpiration(t *testing.T) {
	s := token("abcdef", now.Add(50*time.Millisecond).Format(time.RFC3339Nano))
	c := New(controllertest.NewLister(s), &controllertest.Writer{}, nil)
	c.now = func() time.Time { return now }
	if err := c.Sync(context.Background(), "kube-system/bootstrap-token-abcdef"); err != nil {
		t.Fatal(err)
	}
	if c.Queue().Len() != 0 {
		t.Fatal("queued at once, before it expires")
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Queue().Len() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("not queued again after it expired")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := controllertest.Drain(c.Queue()); !slices.Equal(got, []string{"kube-system/bootstrap-token-abcdef"}) {
		t.Errorf("queued %q", got)
	}
}

func TestSecretHandler(t *testing.T) {
	opaque := token("zzzzzz", "")
	opaque.Type = "Opaque"
	c := New(controllertest.NewLister(), &controllertest.Writer{}, nil)
	h := c.SecretHandler()
	h.OnAdd(token("abcdef", ""))
	h.OnUpdate(token("bcdefg", ""), token("bcdefg", "2025-01-01T00:00:00Z"))
	h.OnAdd(opaque)
	want := []string{"kube-system/bootstrap-token-abcdef", "kube-system/bootstrap-token-bcdefg"}
	if got := controllertest.Drain(c.Queue()); !slices.Equal(got, want) {
		t.Errorf("queued %q, want %q", got, want)
	}
	if h.OnDelete != nil {
		t.Error("a deleted token needs nothing")
	}
}
