package tokencleaner

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Controller deletes expired bootstrap token Secrets.
type Controller struct {
	secrets controller.Lister
	w       controller.Writer
	log     *zap.Logger
	queue   *client.Queue
	now     func() time.Time
}

// New returns a token cleaner that reads Secrets from the given cache and
// deletes through w.
func New(secrets controller.Lister, w controller.Writer, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{secrets: secrets, w: w, log: log, queue: client.NewQueue("tokencleaner"), now: time.Now}
}

// Run works the queue until ctx is done. Call it once the informer has
// synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync takes a Secret's key and deletes the Secret if it is a bootstrap
// token that has expired, or looks again when it will have.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.secrets.Get(key)
	if !ok {
		return nil
	}
	s := obj.(*api.Secret)
	if !isToken(s) || s.DeletionTimestamp != nil {
		return nil
	}
	exp, set, err := auth.BootstrapTokenExpiration(s)
	if err != nil {
		c.log.Info("leaving a bootstrap token whose expiration is unreadable", zap.String("secret", key), zap.Error(err))
		return nil
	}
	if !set {
		return nil
	}
	if wait := exp.Sub(c.now()); wait > 0 {
		c.queue.AddAfter(key, wait)
		return nil
	}
	opts := &api.DeleteOptions{}
	if s.UID != "" {
		uid := s.UID
		opts.Preconditions = &api.Precondition{UID: &uid} // not a new token of the same name
	}
	err = c.w.Delete(ctx, controller.Resource("secrets"), s.Namespace, s.Name, opts)
	if client.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete expired bootstrap token %s: %w", key, err)
	}
	c.log.Info("deleted an expired bootstrap token", zap.String("secret", key), zap.Time("expired", exp))
	return nil
}

func isToken(s *api.Secret) bool {
	return s.Namespace == api.NamespaceSystem && s.Type == auth.SecretTypeBootstrapToken
}

// SecretHandler is for the kube-system bootstrap token informer: a token
// added, or changed (a new expiration), is looked at.
func (c *Controller) SecretHandler() client.Handler {
	look := func(obj api.Object) {
		if s, ok := obj.(*api.Secret); ok && isToken(s) {
			c.queue.Add(client.KeyOf(s))
		}
	}
	return client.Handler{OnAdd: look, OnUpdate: func(_, obj api.Object) { look(obj) }}
}
