package deployment

import (
	"fmt"
	"strconv"
	"strings"

	"kubelab/pkg/api"
)

// The knobs of a Deployment, read with Kubernetes' defaults wherever a
// field is unset: the apiserver defaults them, but an object written
// before it did, or a test, may not carry them.

const (
	defaultRevisionHistoryLimit    = 10
	defaultProgressDeadlineSeconds = 600
)

var defaultSurgeOrUnavailable = api.FromString("25%")

// replicas is spec.replicas, 1 when unset.
func replicas(d *api.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

func isRecreate(d *api.Deployment) bool {
	return d.Spec.Strategy.Type == api.RecreateDeploymentStrategyType
}

// bounds resolves a rolling update's maxSurge and maxUnavailable against
// the desired replicas (Kubernetes' ResolveFenceposts): a percentage of
// the surge rounds up, of the unavailable pods down, and were both zero
// no pod could ever be replaced, so one may be unavailable. A Recreate
// Deployment has neither.
func bounds(d *api.Deployment) (maxSurge, maxUnavailable int32, err error) {
	if isRecreate(d) {
		return 0, 0, nil
	}
	surge, unavail := &defaultSurgeOrUnavailable, &defaultSurgeOrUnavailable
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		if ru.MaxSurge != nil {
			surge = ru.MaxSurge
		}
		if ru.MaxUnavailable != nil {
			unavail = ru.MaxUnavailable
		}
	}
	n := replicas(d)
	if maxSurge, err = scaledValue(surge, n, true); err != nil {
		return 0, 0, fmt.Errorf("maxSurge: %w", err)
	}
	if maxUnavailable, err = scaledValue(unavail, n, false); err != nil {
		return 0, 0, fmt.Errorf("maxUnavailable: %w", err)
	}
	if maxSurge == 0 && maxUnavailable == 0 {
		maxUnavailable = 1
	}
	return maxSurge, maxUnavailable, nil
}

// scaledValue is v as a count of n: a number as it is, "25%" as a share of
// n, rounded up or down.
func scaledValue(v *api.IntOrString, n int32, roundUp bool) (int32, error) {
	if !v.IsString {
		return v.IntVal, nil
	}
	pct, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
	if err != nil || !strings.HasSuffix(v.StrVal, "%") || pct < 0 {
		return 0, fmt.Errorf("invalid value %q: want a number or a percentage", v.StrVal)
	}
	scaled := int64(pct) * int64(n)
	if roundUp {
		return int32((scaled + 99) / 100), nil
	}
	return int32(scaled / 100), nil
}

// maxUnavailable is how many of the desired pods may be missing for the
// Deployment to count as Available (Kubernetes' MaxUnavailable): never
// more than the replicas, and none for a Recreate Deployment.
func maxUnavailable(d *api.Deployment) int32 {
	_, u, err := bounds(d)
	if err != nil {
		return 0
	}
	return min(u, replicas(d))
}

func revisionHistoryLimit(d *api.Deployment) int32 {
	if d.Spec.RevisionHistoryLimit == nil {
		return defaultRevisionHistoryLimit
	}
	return *d.Spec.RevisionHistoryLimit
}

// progressDeadline is spec.progressDeadlineSeconds, 600 when unset; 0 for
// math.MaxInt32, Kubernetes' "no deadline".
func progressDeadlineSeconds(d *api.Deployment) int32 {
	if d.Spec.ProgressDeadlineSeconds == nil {
		return defaultProgressDeadlineSeconds
	}
	if *d.Spec.ProgressDeadlineSeconds == 1<<31-1 {
		return 0
	}
	return *d.Spec.ProgressDeadlineSeconds
}
