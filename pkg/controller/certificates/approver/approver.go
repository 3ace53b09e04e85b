package approver

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// ReasonAutoApproved is the reason of the Approved conditions it writes,
// Kubernetes'.
const ReasonAutoApproved = "AutoApproved"

// Controller approves kubelets' certificate requests.
type Controller struct {
	csrs  controller.Lister
	nodes controller.Lister
	w     ApprovalWriter
	log   *zap.Logger
	queue *client.Queue
	now   func() time.Time
}

// New returns an approver that reads CertificateSigningRequests and Nodes
// from the given caches and approves through w.
func New(csrs, nodes controller.Lister, w ApprovalWriter, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{csrs: csrs, nodes: nodes, w: w, log: log, queue: client.NewQueue("csrapproving"), now: time.Now}
}

// Run works the queue until ctx is done. Call it once the informers have
// synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync takes a request's name and approves the request if the rules
// (rules.go) vouch for it.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.csrs.Get(key)
	if !ok {
		return nil
	}
	csr := obj.(*api.CertificateSigningRequest)
	if decided(csr) {
		return nil
	}
	ok, why := c.vouch(csr)
	if !ok {
		c.log.Debug("left for a person", zap.String("csr", key), zap.String("why", why))
		return nil
	}
	out := api.DeepCopy(csr)
	now := api.NewTime(c.now())
	out.Status.Conditions = append(out.Status.Conditions, api.CertificateSigningRequestCondition{
		Type: api.CertificateApproved, Status: api.ConditionTrue, Reason: ReasonAutoApproved, Message: why,
		LastUpdateTime: now, LastTransitionTime: now,
	})
	if err := c.w.UpdateApproval(ctx, out); err != nil {
		return fmt.Errorf("approve certificatesigningrequest %s: %w", key, err)
	}
	c.log.Info("approved", zap.String("csr", key), zap.String("why", why))
	return nil
}

// decided: approved or denied already, by anyone.
func decided(csr *api.CertificateSigningRequest) bool {
	return csr.HasCondition(api.CertificateApproved) || csr.HasCondition(api.CertificateDenied)
}

// CSRHandler is for the certificatesigningrequests informer: a new
// request, or a changed one, is looked at.
func (c *Controller) CSRHandler() client.Handler {
	look := func(obj api.Object) { c.queue.Add(client.KeyOf(obj)) }
	return client.Handler{OnAdd: look, OnUpdate: func(_, obj api.Object) { look(obj) }}
}

// NodeHandler is for the nodes informer: a Node that appears, or reports
// new addresses, may let its pending serving requests through. A
// heartbeat, which changes no address, is passed over.
func (c *Controller) NodeHandler() client.Handler {
	look := func(obj api.Object) {
		user := nodeUserPrefix + obj.GetObjectMeta().Name
		for _, o := range c.csrs.List() {
			csr := o.(*api.CertificateSigningRequest)
			if csr.Spec.SignerName == api.SignerKubeletServing && csr.Spec.Username == user && !decided(csr) {
				c.queue.Add(client.KeyOf(csr))
			}
		}
	}
	return client.Handler{OnAdd: look, OnUpdate: func(old, obj api.Object) {
		if !slices.Equal(old.(*api.Node).Status.Addresses, obj.(*api.Node).Status.Addresses) {
			look(obj)
		}
	}}
}
