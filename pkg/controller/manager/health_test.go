package manager

import (
	"strings"
	"testing"
	"time"

	"kubelab/pkg/client"
)

type fakeInformer bool

func (f fakeInformer) HasSynced() bool { return bool(f) }

func TestHealth(t *testing.T) {
	tests := []struct {
		name      string
		informers map[string]syncer
		hold      bool // a worker holds a key of the queue
		wantErr   string
	}{
		{name: "synced and idle", informers: map[string]syncer{"pods": fakeInformer(true), "nodes": fakeInformer(true)}},
		{name: "an informer not synced", informers: map[string]syncer{"pods": fakeInformer(true), "nodes": fakeInformer(false)},
			wantErr: "the nodes informer has not synced yet"},
		{name: "a worker stuck on one key", informers: map[string]syncer{"pods": fakeInformer(true)}, hold: true,
			wantErr: "a replicaset worker has been syncing default/web for"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := client.NewQueue("replicaset")
			defer q.ShutDown()
			if tt.hold {
				q.Add("default/web")
				q.Get() // and never Done
			}
			h := health{informers: tt.informers, queues: []*client.Queue{q}, stuckAfter: time.Millisecond}
			time.Sleep(2 * time.Millisecond)
			err := h.check()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("check = %v, want ok", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("check = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
