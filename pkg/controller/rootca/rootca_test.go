package rootca

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

const caPEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func namespace(name, phase string) *api.Namespace {
	return &api.Namespace{ObjectMeta: api.ObjectMeta{Name: name}, Status: api.NamespaceStatus{Phase: phase}}
}

func deleting(ns *api.Namespace) *api.Namespace {
	at := api.NewTime(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	ns.DeletionTimestamp = &at
	return ns
}

func configMap(namespace, name string, data map[string]string, annotations map[string]string) *api.ConfigMap {
	return &api.ConfigMap{ObjectMeta: api.ObjectMeta{Namespace: namespace, Name: name, Annotations: annotations, ResourceVersion: "7"}, Data: data}
}

// published is kube-root-ca.crt as the controller writes it.
func published(namespace string) *api.ConfigMap {
	return configMap(namespace, api.RootCAConfigMapName, map[string]string{"ca.crt": caPEM}, map[string]string{descriptionAnnotation: description})
}

func TestSync(t *testing.T) {
	alreadyExists := &api.Status{Code: http.StatusConflict, Reason: "AlreadyExists", Message: `configmaps "kube-root-ca.crt" already exists`}
	notFound := &api.Status{Code: http.StatusNotFound, Reason: "NotFound", Message: `configmaps "kube-root-ca.crt" not found`}
	tests := []struct {
		name       string
		namespaces []*api.Namespace
		configMaps []*api.ConfigMap
		fail       map[string]error // what a write answers, by "verb resource"
		wantWrites []string
		wantData   map[string]string // of the object written
		wantErr    bool
	}{
		{
			name:       "an active namespace without it gets it",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			wantWrites: []string{"create configmaps shop/kube-root-ca.crt"},
			wantData:   map[string]string{"ca.crt": caPEM},
		},
		{
			name:       "other ConfigMaps, and other namespaces' copy, do not stand in for it",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			configMaps: []*api.ConfigMap{configMap("shop", "settings", map[string]string{"ca.crt": caPEM}, nil), published("other")},
			wantWrites: []string{"create configmaps shop/kube-root-ca.crt"},
			wantData:   map[string]string{"ca.crt": caPEM},
		},
		{
			name:       "a namespace that has it is left alone",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			configMaps: []*api.ConfigMap{published("shop")},
		},
		{
			name:       "another CA is put back",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			configMaps: []*api.ConfigMap{configMap("shop", api.RootCAConfigMapName, map[string]string{"ca.crt": "forged"},
				map[string]string{descriptionAnnotation: description})},
			wantWrites: []string{"update configmaps shop/kube-root-ca.crt"},
			wantData:   map[string]string{"ca.crt": caPEM},
		},
		{
			name:       "an added key goes",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			configMaps: []*api.ConfigMap{configMap("shop", api.RootCAConfigMapName, map[string]string{"ca.crt": caPEM, "extra": "x"},
				map[string]string{descriptionAnnotation: description})},
			wantWrites: []string{"update configmaps shop/kube-root-ca.crt"},
			wantData:   map[string]string{"ca.crt": caPEM},
		},
		{
			name:       "a copy without the description gets it",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			configMaps: []*api.ConfigMap{configMap("shop", api.RootCAConfigMapName, map[string]string{"ca.crt": caPEM}, nil)},
			wantWrites: []string{"update configmaps shop/kube-root-ca.crt"},
			wantData:   map[string]string{"ca.crt": caPEM},
		},
		{
			name:       "a Terminating namespace gets nothing",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceTerminating)},
		},
		{
			name:       "a namespace being deleted whose phase is not updated yet gets nothing",
			namespaces: []*api.Namespace{deleting(namespace("shop", api.NamespaceActive))},
		},
		{
			name: "a namespace that is gone gets nothing",
		},
		{
			name:       "a create that finds it there (the cache was behind) is success",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			fail:       map[string]error{"create configmaps": alreadyExists},
			wantWrites: []string{"create configmaps shop/kube-root-ca.crt"},
			wantData:   map[string]string{"ca.crt": caPEM},
		},
		{
			name:       "an update of one deleted meanwhile waits for the delete's event",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			configMaps: []*api.ConfigMap{configMap("shop", api.RootCAConfigMapName, map[string]string{"ca.crt": "old"}, nil)},
			fail:       map[string]error{"update configmaps": notFound},
			wantWrites: []string{"update configmaps shop/kube-root-ca.crt"},
			wantData:   map[string]string{"ca.crt": caPEM},
		},
		{
			name:       "a failed create is returned, to be retried",
			namespaces: []*api.Namespace{namespace("shop", api.NamespaceActive)},
			fail:       map[string]error{"create configmaps": errors.New("connection refused")},
			wantWrites: []string{"create configmaps shop/kube-root-ca.crt"},
			wantData:   map[string]string{"ca.crt": caPEM},
			wantErr:    true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			namespaces, configMaps := controllertest.NewLister(), controllertest.NewLister()
			for _, ns := range tt.namespaces {
				namespaces.Add(ns)
			}
			for _, cm := range tt.configMaps {
				configMaps.Add(cm)
			}
			w := &controllertest.Writer{Fail: tt.fail}
			err := New([]byte(caPEM), namespaces, configMaps, w, nil).Sync(context.Background(), "shop")
			if (err != nil) != tt.wantErr {
				t.Fatalf("Sync error = %v, want error %v", err, tt.wantErr)
			}
			if got := w.Strings(); !slices.Equal(got, tt.wantWrites) {
				t.Errorf("writes = %q, want %q", got, tt.wantWrites)
			}
			for _, a := range w.Actions {
				cm := a.Object.(*api.ConfigMap)
				if cm.Kind != "ConfigMap" || cm.APIVersion != "v1" || len(cm.Data) != len(tt.wantData) || cm.Data["ca.crt"] != tt.wantData["ca.crt"] ||
					cm.Annotations[descriptionAnnotation] != description {
					t.Errorf("wrote %+v", cm)
				}
				if a.Verb == "update" && cm.ResourceVersion != "7" {
					t.Errorf("update without the cached resourceVersion: %q", cm.ResourceVersion)
				}
			}
		})
	}
}

// The cache's objects are shared: an update changes a copy.
func TestSyncDoesNotChangeTheCache(t *testing.T) {
	cached := configMap("shop", api.RootCAConfigMapName, map[string]string{"ca.crt": "forged"}, nil)
	c := New([]byte(caPEM), controllertest.NewLister(namespace("shop", api.NamespaceActive)), controllertest.NewLister(cached),
		&controllertest.Writer{}, nil)
	if err := c.Sync(context.Background(), "shop"); err != nil {
		t.Fatal(err)
	}
	if cached.Data["ca.crt"] != "forged" || cached.Annotations != nil {
		t.Errorf("the cached ConfigMap was changed: %+v", cached)
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
			name:     "kube-root-ca.crt deleted queues its namespace",
			event:    func(c *Controller) { c.ConfigMapHandler().OnDelete(published("shop")) },
			wantKeys: []string{"shop"},
		},
		{
			name: "kube-root-ca.crt changed queues its namespace",
			event: func(c *Controller) {
				c.ConfigMapHandler().OnUpdate(published("shop"), configMap("shop", api.RootCAConfigMapName, nil, nil))
			},
			wantKeys: []string{"shop"},
		},
		{
			name:  "another ConfigMap is the user's business",
			event: func(c *Controller) { c.ConfigMapHandler().OnDelete(configMap("shop", "settings", nil, nil)) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New([]byte(caPEM), controllertest.NewLister(), controllertest.NewLister(), &controllertest.Writer{}, nil)
			tt.event(c)
			if got := controllertest.Drain(c.Queue()); !slices.Equal(got, tt.wantKeys) {
				t.Errorf("queued %q, want %q", got, tt.wantKeys)
			}
		})
	}
	if h := (&Controller{}).ConfigMapHandler(); h.OnAdd != nil {
		t.Error("ConfigMapHandler reacts to adds; only an update or a delete can take the CA away")
	}
}
