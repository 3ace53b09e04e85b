package api

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// Validation of the controllers that stamp out pods from a template:
// ReplicaSet, ReplicationController, DaemonSet. Their selector must select
// the pods of their own template, or the controller would create pods
// forever without ever counting them.

func validateReplicaSet(rs *ReplicaSet) ErrorList {
	errs := validateObjectMeta(&rs.ObjectMeta, true, IsDNS1123Subdomain, "")
	p := fieldPath("spec")
	errs = append(errs, validateReplicas(rs.Spec.Replicas, rs.Spec.MinReadySeconds, p)...)
	return append(errs, validateSelectorAndTemplate(rs.Spec.Selector, &rs.Spec.Template, p)...)
}

func validateDaemonSet(ds *DaemonSet) ErrorList {
	errs := validateObjectMeta(&ds.ObjectMeta, true, IsDNS1123Subdomain, "")
	p := fieldPath("spec")
	if ds.Spec.MinReadySeconds < 0 {
		errs = append(errs, invalid(p.child("minReadySeconds"), ds.Spec.MinReadySeconds, "must be greater than or equal to 0"))
	}
	if n := ds.Spec.RevisionHistoryLimit; n != nil && *n < 0 {
		errs = append(errs, invalid(p.child("revisionHistoryLimit"), *n, "must be greater than or equal to 0"))
	}
	errs = append(errs, validateSelectorAndTemplate(ds.Spec.Selector, &ds.Spec.Template, p)...)
	return append(errs, validateDaemonSetUpdateStrategy(&ds.Spec.UpdateStrategy, p.child("updateStrategy"))...)
}

func validateReplicationController(rc *ReplicationController) ErrorList {
	errs := validateObjectMeta(&rc.ObjectMeta, true, IsDNS1123Subdomain, "")
	p := fieldPath("spec")
	errs = append(errs, validateReplicas(rc.Spec.Replicas, rc.Spec.MinReadySeconds, p)...)
	if len(rc.Spec.Selector) == 0 {
		errs = append(errs, required(p.child("selector"), ""))
	} else {
		errs = append(errs, validateLabels(rc.Spec.Selector, p.child("selector"))...)
	}
	if rc.Spec.Template == nil {
		return append(errs, required(p.child("template"), ""))
	}
	if len(rc.Spec.Selector) > 0 && !SelectorFromSet(rc.Spec.Selector).Matches(rc.Spec.Template.Labels) {
		errs = append(errs, templateMismatch(rc.Spec.Template, p))
	}
	return append(errs, validatePodTemplate(rc.Spec.Template, p.child("template"))...)
}

func validateReplicas(replicas *int32, minReady int32, p fieldPath) ErrorList {
	var errs ErrorList
	if replicas != nil && *replicas < 0 {
		errs = append(errs, invalid(p.child("replicas"), *replicas, "must be greater than or equal to 0"))
	}
	if minReady < 0 {
		errs = append(errs, invalid(p.child("minReadySeconds"), minReady, "must be greater than or equal to 0"))
	}
	return errs
}

func validateSelectorAndTemplate(sel *LabelSelector, tmpl *PodTemplateSpec, p fieldPath) ErrorList {
	var errs ErrorList
	sp := p.child("selector")
	if sel == nil {
		errs = append(errs, required(sp, ""))
	} else if selErrs := validateLabelSelector(sel, sp); len(selErrs) > 0 {
		errs = append(errs, selErrs...)
	} else if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		errs = append(errs, invalid(sp, labelSelectorValue{sel}, "empty selector is invalid: it would select every pod in the namespace"))
	} else if s, err := SelectorFromLabelSelector(sel); err == nil && !s.Matches(tmpl.Labels) {
		errs = append(errs, templateMismatch(tmpl, p))
	}
	return append(errs, validatePodTemplate(tmpl, p.child("template"))...)
}

func templateMismatch(tmpl *PodTemplateSpec, p fieldPath) *FieldError {
	return invalid(p.child("template").child("metadata").child("labels"), tmpl.Labels, "`selector` does not match template `labels`")
}

// validatePodTemplate checks a controller's pod template. Controllers
// replace pods that stop, so the only restart policy that makes sense is
// Always.
func validatePodTemplate(tmpl *PodTemplateSpec, p fieldPath) ErrorList {
	errs := validatePodTemplateSpec(tmpl, p)
	if rp := tmpl.Spec.RestartPolicy; rp != "" && rp != RestartAlways {
		errs = append(errs, notSupported(p.child("spec").child("restartPolicy"), rp, RestartAlways))
	}
	return errs
}

// validatePodTemplateSpec checks a pod template's labels, annotations and
// pod spec, whatever its restart policy.
func validatePodTemplateSpec(tmpl *PodTemplateSpec, p fieldPath) ErrorList {
	mp := p.child("metadata")
	errs := validateLabels(tmpl.Labels, mp.child("labels"))
	errs = append(errs, validateAnnotations(tmpl.Annotations, mp.child("annotations"))...)
	return append(errs, validatePodSpec(&tmpl.Spec, p.child("spec"))...)
}

// validateLabelSelector checks matchLabels and matchExpressions.
func validateLabelSelector(sel *LabelSelector, p fieldPath) ErrorList {
	errs := validateLabels(sel.MatchLabels, p.child("matchLabels"))
	for i, r := range sel.MatchExpressions {
		rp := p.child("matchExpressions").index(i)
		errs = append(errs, check(rp.child("key"), r.Key, IsQualifiedName(r.Key))...)
		switch r.Operator {
		case "In", "NotIn":
			if len(r.Values) == 0 {
				errs = append(errs, required(rp.child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
			}
		case "Exists", "DoesNotExist":
			if len(r.Values) > 0 {
				errs = append(errs, forbidden(rp.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
			}
		default:
			errs = append(errs, invalid(rp.child("operator"), r.Operator, "not a valid selector operator"))
		}
		for j, v := range r.Values {
			errs = append(errs, check(rp.child("values").index(j), v, IsValidLabelValue(v))...)
		}
	}
	return errs
}

// labelSelectorValue prints a selector in errors as its JSON.
type labelSelectorValue struct{ sel *LabelSelector }

func (v labelSelectorValue) String() string {
	b, _ := json.Marshal(v.sel)
	return string(b)
}

var percentRE = regexp.MustCompile(`^[0-9]+%$`)

func validateDaemonSetUpdateStrategy(s *DaemonSetUpdateStrategy, p fieldPath) ErrorList {
	var errs ErrorList
	switch s.Type {
	case "", "OnDelete":
		if s.Type == "OnDelete" && s.RollingUpdate != nil {
			errs = append(errs, forbidden(p.child("rollingUpdate"), "may not be specified when strategy `type` is 'OnDelete'"))
		}
	case "RollingUpdate":
		ru := s.RollingUpdate
		if ru == nil {
			return append(errs, required(p.child("rollingUpdate"), ""))
		}
		rp := p.child("rollingUpdate")
		unavailable := append(validateIntOrPercent(ru.MaxUnavailable, rp.child("maxUnavailable")),
			notMoreThan100Percent(ru.MaxUnavailable, rp.child("maxUnavailable"))...)
		surge := append(validateIntOrPercent(ru.MaxSurge, rp.child("maxSurge")),
			notMoreThan100Percent(ru.MaxSurge, rp.child("maxSurge"))...)
		errs = append(append(errs, unavailable...), surge...)
		if len(unavailable) == 0 && len(surge) == 0 && isZeroIntOrPercent(ru.MaxUnavailable) && isZeroIntOrPercent(ru.MaxSurge) {
			errs = append(errs, invalid(rp.child("maxUnavailable"), intOrStringValue(ru.MaxUnavailable), "may not be 0 when `maxSurge` is 0"))
		}
	default:
		errs = append(errs, notSupported(p.child("type"), s.Type, "OnDelete", "RollingUpdate"))
	}
	return errs
}

// validateIntOrPercent checks a count given as a number (2) or a share of
// the desired pods ("25%").
func validateIntOrPercent(v *IntOrString, p fieldPath) ErrorList {
	switch {
	case v == nil:
		return nil
	case !v.IsString:
		if v.IntVal < 0 {
			return ErrorList{invalid(p, v.IntVal, "must be greater than or equal to 0")}
		}
	case !percentRE.MatchString(v.StrVal):
		return ErrorList{invalid(p, v.StrVal, regexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%"))}
	}
	return nil
}

// notMoreThan100Percent refuses a share above the whole: a rollout may
// surge past 100% of the desired pods, but not take more than all of them
// down.
func notMoreThan100Percent(v *IntOrString, p fieldPath) ErrorList {
	if v == nil || !v.IsString || !percentRE.MatchString(v.StrVal) {
		return nil
	}
	if n, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%")); err != nil || n > 100 {
		return ErrorList{invalid(p, v.StrVal, "must not be greater than 100%")}
	}
	return nil
}

func isZeroIntOrPercent(v *IntOrString) bool {
	if v == nil {
		return true
	}
	if v.IsString {
		n, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
		return err == nil && n == 0
	}
	return v.IntVal == 0
}

func intOrStringValue(v *IntOrString) any {
	if v == nil {
		return nil
	}
	if v.IsString {
		return v.StrVal
	}
	return v.IntVal
}
