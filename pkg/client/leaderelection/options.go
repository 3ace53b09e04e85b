package leaderelection

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Options are a component's leader election settings, as the flags of
// kube-scheduler and kube-controller-manager name them.
type Options struct {
	LeaderElect       bool          // --leader-elect: take the lease before acting (default true)
	LeaseDuration     time.Duration // --leader-elect-lease-duration
	RenewDeadline     time.Duration // --leader-elect-renew-deadline
	RetryPeriod       time.Duration // --leader-elect-retry-period
	ResourceName      string        // --leader-elect-resource-name: the Lease's name
	ResourceNamespace string        // --leader-elect-resource-namespace: default kube-system
}

// AddFlags adds the --leader-elect flags to f, the lease named lease by
// default (kube-scheduler, kube-controller-manager).
func (o *Options) AddFlags(f *pflag.FlagSet, lease string) {
	f.BoolVar(&o.LeaderElect, "leader-elect", true, "take the Lease "+api.NamespaceSystem+"/"+lease+" before acting, so that several copies can run and only one acts")
	f.DurationVar(&o.LeaseDuration, "leader-elect-lease-duration", DefaultLeaseDuration, "how long a candidate waits, after it last saw the leader renew, before it takes the lease")
	f.DurationVar(&o.RenewDeadline, "leader-elect-renew-deadline", DefaultRenewDeadline, "how long the leader keeps trying to renew before it gives up and exits; less than the lease duration")
	f.DurationVar(&o.RetryPeriod, "leader-elect-retry-period", DefaultRetryPeriod, "between tries to take or renew the lease")
	f.StringVar(&o.ResourceName, "leader-elect-resource-name", lease, "the name of the Lease")
	f.StringVar(&o.ResourceNamespace, "leader-elect-resource-namespace", api.NamespaceSystem, "the namespace of the Lease")
}

// ErrLost is what RunOrLead returns when the lease was lost: the
// component exits, as Kubernetes' do, and starts again as a candidate.
var ErrLost = errors.New("leaderelection lost")

// RunOrLead runs lead once this process holds the lease (at once, without
// --leader-elect) and returns its error; ErrLost when the lease was lost
// while leading (lead may then still be running: exit). c should be a
// client of its own, so that the component's own traffic never holds up
// a renewal behind its rate limit.
func RunOrLead(ctx context.Context, c *client.Client, o Options, log *zap.Logger, lead func(ctx context.Context) error) error {
	if !o.LeaderElect {
		return lead(ctx)
	}
	e, err := New(Config{
		Lock: ClientLeases(c), Name: o.ResourceName, Namespace: o.ResourceNamespace, Identity: NewIdentity(),
		LeaseDuration: o.LeaseDuration, RenewDeadline: o.RenewDeadline, RetryPeriod: o.RetryPeriod,
		ReleaseOnCancel: true, // stopped on purpose (SIGTERM): the next one need not wait
	}, log)
	if err != nil {
		return err
	}
	var leadErr error
	var led atomic.Bool
	e.Run(ctx, func(ctx context.Context) {
		led.Store(true)
		leadErr = lead(ctx)
	})
	switch {
	case e.Lost():
		return ErrLost
	case !led.Load():
		log.Info("stopped before the leader lease was acquired") // a clean stop, as before the caches synced
	}
	return leadErr
}
