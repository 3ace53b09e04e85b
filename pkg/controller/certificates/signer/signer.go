package signer

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/pki"
)

// DefaultDuration is the longest certificate the signer issues unless
// told otherwise: a year, Kubernetes' --cluster-signing-duration.
const DefaultDuration = 365 * 24 * time.Hour

// Reasons of the Failed conditions it writes. The first is Kubernetes'.
const (
	ReasonValidationFailure = "SignerValidationFailure" // not a request this signer signs
	ReasonSigningFailure    = "SigningFailure"          // the CA could not sign it
)

// Controller signs approved requests.
type Controller struct {
	csrs     controller.Lister
	ca       *pki.CA
	duration time.Duration
	w        controller.Writer
	log      *zap.Logger
	queue    *client.Queue
	now      func() time.Time
}

// New returns a signer that reads CertificateSigningRequests from csrs,
// signs with ca for at most duration (0: DefaultDuration) and writes
// through w.
func New(csrs controller.Lister, ca *pki.CA, duration time.Duration, w controller.Writer, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	if duration <= 0 {
		duration = DefaultDuration
	}
	return &Controller{csrs: csrs, ca: ca, duration: duration, w: w, log: log, queue: client.NewQueue("csrsigning"), now: time.Now}
}

// Run works the queue until ctx is done. Call it once the informers have
// synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync takes a request's name and, if it is approved and not yet signed,
// writes its certificate or why it cannot have one.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.csrs.Get(key)
	if !ok {
		return nil
	}
	csr := obj.(*api.CertificateSigningRequest)
	if !signs(csr.Spec.SignerName) || !ready(csr) {
		return nil
	}
	out := api.DeepCopy(csr)
	certPEM, reason, signErr := c.sign(csr)
	if signErr != nil {
		now := api.NewTime(c.now())
		out.Status.Conditions = append(out.Status.Conditions, api.CertificateSigningRequestCondition{
			Type: api.CertificateFailed, Status: api.ConditionTrue, Reason: reason, Message: signErr.Error(),
			LastUpdateTime: now, LastTransitionTime: now,
		})
	} else {
		out.Status.Certificate = certPEM
	}
	if _, err := c.w.UpdateStatus(ctx, out); err != nil {
		return fmt.Errorf("write the status of certificatesigningrequest %s: %w", key, err)
	}
	if signErr != nil {
		c.log.Info("refused to sign", zap.String("csr", key), zap.String("reason", reason), zap.Error(signErr))
	} else {
		c.log.Info("signed", zap.String("csr", key), zap.String("signer", csr.Spec.SignerName))
	}
	return nil
}

// signs: the signers this controller serves.
func signs(signerName string) bool {
	switch signerName {
	case api.SignerKubeletClient, api.SignerKubeletServing, api.SignerClient:
		return true
	}
	return false
}

// ready: approved, and nothing since (no denial, no failure, no
// certificate).
func ready(csr *api.CertificateSigningRequest) bool {
	return csr.HasCondition(api.CertificateApproved) && !csr.HasCondition(api.CertificateDenied) &&
		!csr.HasCondition(api.CertificateFailed) && len(csr.Status.Certificate) == 0
}

// sign checks the request as its signer requires and signs it. On error,
// reason is the Failed condition's.
func (c *Controller) sign(csr *api.CertificateSigningRequest) (certPEM []byte, reason string, err error) {
	req, err := api.ParseCertificateRequest(csr.Spec.Request)
	if err != nil {
		return nil, ReasonValidationFailure, err
	}
	usage := x509.ExtKeyUsageClientAuth
	switch csr.Spec.SignerName {
	case api.SignerKubeletClient, api.SignerKubeletServing:
		if _, errs := api.ValidateKubeletRequest(csr.Spec.SignerName, req, csr.Spec.Usages); len(errs) > 0 {
			return nil, ReasonValidationFailure, errs
		}
		if csr.Spec.SignerName == api.SignerKubeletServing {
			usage = x509.ExtKeyUsageServerAuth
		}
	case api.SignerClient:
		for _, u := range csr.Spec.Usages {
			if u != api.UsageDigitalSignature && u != api.UsageKeyEncipherment && u != api.UsageClientAuth {
				return nil, ReasonValidationFailure, fmt.Errorf("invalid usage for client certificate: %s", u)
			}
		}
	}
	certPEM, err = c.ca.SignRequest(req, usage, c.validity(csr))
	if err != nil {
		return nil, ReasonSigningFailure, err
	}
	return certPEM, "", nil
}

// validity is what the request asks for, up to the signing duration.
func (c *Controller) validity(csr *api.CertificateSigningRequest) time.Duration {
	if s := csr.Spec.ExpirationSeconds; s != nil {
		return min(time.Duration(*s)*time.Second, c.duration)
	}
	return c.duration
}

// CSRHandler is for the certificatesigningrequests informer: an approval
// arrives as an update.
func (c *Controller) CSRHandler() client.Handler {
	look := func(obj api.Object) { c.queue.Add(client.KeyOf(obj)) }
	return client.Handler{OnAdd: look, OnUpdate: func(_, obj api.Object) { look(obj) }}
}
