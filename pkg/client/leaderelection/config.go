package leaderelection

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The defaults of kube-scheduler's and kube-controller-manager's
// --leader-elect-lease-duration, --leader-elect-renew-deadline and
// --leader-elect-retry-period.
const (
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
)

// Leases is how the elector reads and writes its Lease. Update must fail
// with a Conflict when the lease's resourceVersion is not the latest.
type Leases interface {
	Get(ctx context.Context, namespace, name string) (*api.Lease, error)
	Create(ctx context.Context, lease *api.Lease) (*api.Lease, error)
	Update(ctx context.Context, lease *api.Lease) (*api.Lease, error)
}

// Config says which Lease to take, as whom, and how fast.
type Config struct {
	Lock            Leases
	Namespace, Name string
	// Identity names this candidate in holderIdentity; NewIdentity makes
	// Kubernetes' "<hostname>_<uuid>".
	Identity string

	LeaseDuration time.Duration // how long others wait after the last change they saw
	RenewDeadline time.Duration // how long the leader keeps trying to renew before it gives up
	RetryPeriod   time.Duration // between tries, to acquire and to renew

	// ReleaseOnCancel gives the lease up when Run's context ends, so that
	// another candidate need not wait LeaseDuration.
	ReleaseOnCancel bool

	// Now tells the time; tests set it. Default time.Now.
	Now func() time.Time
}

func (c *Config) check() error {
	if c.LeaseDuration == 0 {
		c.LeaseDuration = DefaultLeaseDuration
	}
	if c.RenewDeadline == 0 {
		c.RenewDeadline = DefaultRenewDeadline
	}
	if c.RetryPeriod == 0 {
		c.RetryPeriod = DefaultRetryPeriod
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.Lock == nil:
		return errors.New("leader election: a lock is required")
	case c.Name == "" || c.Namespace == "":
		return errors.New("leader election: the lease's namespace and name are required")
	case c.Identity == "":
		return errors.New("leader election: an identity is required")
	case c.LeaseDuration <= c.RenewDeadline:
		return fmt.Errorf("leader election: the lease duration (%s) must be greater than the renew deadline (%s)", c.LeaseDuration, c.RenewDeadline)
	case c.RetryPeriod <= 0 || c.RenewDeadline <= c.RetryPeriod:
		return fmt.Errorf("leader election: the renew deadline (%s) must be greater than the retry period (%s)", c.RenewDeadline, c.RetryPeriod)
	}
	return nil
}

// NewIdentity returns "<hostname>_<random uuid>", as kube-scheduler and
// kube-controller-manager name themselves: unique even for two copies on
// one host, and telling an admin where the leader runs.
func NewIdentity() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%s_%x-%x-%x-%x-%x", host, b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// ClientLeases is Leases over the REST client.
func ClientLeases(c *client.Client) Leases { return clientLeases{c} }

type clientLeases struct{ c *client.Client }

func (l clientLeases) rc(namespace string) *client.ResourceClient {
	r, _ := api.Lookup("leases.coordination.k8s.io")
	return l.c.Resource(r).Namespace(namespace)
}

func (l clientLeases) Get(ctx context.Context, namespace, name string) (*api.Lease, error) {
	return asLease(l.rc(namespace).Get(ctx, name))
}

func (l clientLeases) Create(ctx context.Context, lease *api.Lease) (*api.Lease, error) {
	return asLease(l.rc(lease.Namespace).Create(ctx, lease))
}

func (l clientLeases) Update(ctx context.Context, lease *api.Lease) (*api.Lease, error) {
	return asLease(l.rc(lease.Namespace).Update(ctx, lease))
}

func asLease(obj api.Object, err error) (*api.Lease, error) {
	if err != nil {
		return nil, err
	}
	return obj.(*api.Lease), nil
}
