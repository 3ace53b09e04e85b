package serviceaccount

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller/controllertest"
)

func namespace(name, phase string) *api.Namespace {
	return &api.Namespace{ObjectMeta: api.ObjectMeta{Name: name}, Status: api.NamespaceStatus{Phase: phase}}
}

func deleting(ns *api.Namespace) *api.Namespace {
	at := api.NewTime(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	ns.DeletionTimestamp = &at
	return ns
}

func account(namespace, name string) *api.ServiceAccount {
	return &api.ServiceAccount{ObjectMeta: api.ObjectMeta{Namespace: namespace, Name: name}}
}

func TestSync(t *testing.T) {
	alreadyExists := &api.Status{Code: http.StatusConflict, Reason: "AlreadyExists", Message: `serviceaccounts "default" already exists`}
	tests := []struct {
		name       string
		key        string
		namespaces []*api.Namespace
		accounts   []*api.ServiceAccount
		fail       error // what the create answers
		wantWrites []string
		wantErr    bool
	}{
		{
			name:       "an active namespace without default gets it",
			key:        "shop",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			wantWrites: []string{"create serviceaccounts shop/default"},
		},
		{
			name:       "other accounts do not stand in for default",
			key:        "shop",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			accounts:   []*api.ServiceAccount{account("shop", "builder"), account("other", "default")},
			wantWrites: []string{"create serviceaccounts shop/default"},
		},
		{
			name:       "a namespace that has default is left alone",
			key:        "shop",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			accounts:   []*api.ServiceAccount{account("shop", "default")},
		},
		{
			name:       "a Terminating namespace gets nothing",
			key:        "shop",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceTerminating)},
		},
		{
			name:       "a namespace being deleted whose phase is not updated yet gets nothing",
			key:        "shop",
			namespaces: []*api.Namespace{deleting(namespace("shop", api.NamespaceActive))},
		},
		{
			name: "a namespace that is gone gets nothing",
			key:  "shop",
		},
		{
			name:       "a create that finds default there (the cache was behind) is success",
			key:        "shop",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			fail:       alreadyExists,
			wantWrites: []string{"create serviceaccounts shop/default"},
		},
		{
			name:       "a failed create is returned, to be retried",
			key:        "shop",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			fail:       errors.New("connection refused"),
			wantWrites: []string{"create serviceaccounts shop/default"},
			wantErr:    true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			namespaces, accounts := controllertest.NewLister(), controllertest.NewLister()
			for _, ns := range tt.namespaces {
				namespaces.Add(ns)
			}
			for _, sa := range tt.accounts {
				accounts.Add(sa)
			}
			w := &controllertest.Writer{}
			if tt.fail != nil {
				w.Fail = map[string]error{"create serviceaccounts": tt.fail}
			}
			err := New(namespaces, accounts, w, nil).Sync(context.Background(), tt.key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Sync(%q) error = %v, want error %v", tt.key, err, tt.wantErr)
			}
			if got := w.Strings(); !slices.Equal(got, tt.wantWrites) {
				t.Errorf("writes = %q, want %q", got, tt.wantWrites)
			}
			for _, a := range w.Actions {
				sa := a.Object.(*api.ServiceAccount)
				if sa.Kind != "ServiceAccount" || sa.APIVersion != "v1" || len(sa.Secrets) != 0 || sa.AutomountServiceAccountToken != nil {
					t.Errorf("created %+v, want a bare v1 ServiceAccount", sa)
				}
			}
		})
	}
}

func TestHandlers(t *testing.T) {
	tests := []struct {
		name     string
		event    func(c *Controller)
		wantKeys []string
	}{
		{
			name:     "a namespace added is looked at",
			event:    func(c *Controller) { c.NamespaceHandler().OnAdd(namespace("shop", api.NamespaceActive)) },
			wantKeys: []string{"shop"},
		},
		{
			name: "a namespace updated is looked at",
			event: func(c *Controller) {
				c.NamespaceHandler().OnUpdate(namespace("shop", api.NamespaceActive), namespace("shop", api.NamespaceActive))
			},
			wantKeys: []string{"shop"},
		},
		{
			name:     "default deleted queues its namespace",
			event:    func(c *Controller) { c.ServiceAccountHandler().OnDelete(account("shop", "default")) },
			wantKeys: []string{"shop"},
		},
		{
			name:  "another account deleted is the user's business",
			event: func(c *Controller) { c.ServiceAccountHandler().OnDelete(account("shop", "builder")) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(controllertest.NewLister(), controllertest.NewLister(), &controllertest.Writer{}, nil)
			tt.event(c)
			if got := controllertest.Drain(c.Queue()); !slices.Equal(got, tt.wantKeys) {
				t.Errorf("queued %q, want %q", got, tt.wantKeys)
			}
		})
	}
	h := (&Controller{}).ServiceAccountHandler()
	if h.OnAdd != nil || h.OnUpdate != nil {
		t.Error("ServiceAccountHandler reacts to adds or updates; only a delete can take default away")
	}
}
