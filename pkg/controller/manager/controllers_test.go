package manager

import (
	"slices"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"kubelab/pkg/client"
	"kubelab/pkg/controller/controllertest"
)

// The root CA publisher runs when the manager has a CA, with an informer
// of the kube-root-ca.crt ConfigMaps only; without one it does not run,
// and the log says so.
func TestRootCAPublisherNeedsACA(t *testing.T) {
	c, err := client.New(client.Config{Server: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		rootCA       []byte
		wantInformer bool
		wantQueue    bool
		wantLogNoCA  int
	}{
		{name: "with a CA", rootCA: []byte("-----BEGIN CERTIFICATE-----"), wantInformer: true, wantQueue: true},
		{name: "without one", wantLogNoCA: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.InfoLevel)
			o := Options{RootCA: tt.rootCA}
			inf := newInformers(c, o, zap.New(core))
			var queues []string
			for _, r := range newControllers(o, c, inf, &controllertest.Writer{}, nil, zap.New(core)) {
				queues = append(queues, r.Queue().Name())
			}
			if _, ok := inf["configmaps"]; ok != tt.wantInformer {
				t.Errorf("configmaps informer: %v, want %v", ok, tt.wantInformer)
			}
			if got := slices.Contains(queues, "rootca"); got != tt.wantQueue {
				t.Errorf("controllers %q: rootca there %v, want %v", queues, got, tt.wantQueue)
			}
			if n := logs.FilterMessageSnippet("not publishing kube-root-ca.crt").Len(); n != tt.wantLogNoCA {
				t.Errorf("%d lines about the missing CA, want %d", n, tt.wantLogNoCA)
			}
		})
	}
}
