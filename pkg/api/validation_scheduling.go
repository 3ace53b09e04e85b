package api

import "strconv"

// The parts of a pod spec the scheduler reads: tolerations of node taints
// and node affinity.

var taintEffects = []string{TaintNoSchedule, TaintPreferNoSchedule, TaintNoExecute}

func validateTolerations(tols []Toleration, p fieldPath) ErrorList {
	var errs ErrorList
	for i, t := range tols {
		tp := p.index(i)
		if t.Key != "" {
			errs = append(errs, check(tp.child("key"), t.Key, IsQualifiedName(t.Key))...)
		} else if t.Operator != "Exists" {
			errs = append(errs, invalid(tp.child("operator"), t.Operator,
				"operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		}
		if t.TolerationSeconds != nil && t.Effect != TaintNoExecute {
			errs = append(errs, invalid(tp.child("effect"), t.Effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch t.Operator {
		case "", "Equal":
			errs = append(errs, check(tp.child("value"), t.Value, IsValidLabelValue(t.Value))...)
		case "Exists":
			if t.Value != "" {
				errs = append(errs, invalid(tp.child("operator"), t.Value, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, notSupported(tp.child("operator"), t.Operator, "Equal", "Exists"))
		}
		if t.Effect != "" && !oneOf(t.Effect, taintEffects...) {
			errs = append(errs, notSupported(tp.child("effect"), t.Effect, taintEffects...))
		}
	}
	return errs
}

func validateNodeAffinity(na *NodeAffinity, p fieldPath) ErrorList {
	var errs ErrorList
	if req := na.RequiredDuringSchedulingIgnoredDuringExecution; req != nil {
		rp := p.child("requiredDuringSchedulingIgnoredDuringExecution").child("nodeSelectorTerms")
		if len(req.NodeSelectorTerms) == 0 {
			errs = append(errs, required(rp, "must have at least one node selector term"))
		}
		for i := range req.NodeSelectorTerms {
			errs = append(errs, validateNodeSelectorTerm(&req.NodeSelectorTerms[i], rp.index(i))...)
		}
	}
	for i, pref := range na.PreferredDuringSchedulingIgnoredDuringExecution {
		pp := p.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
		if pref.Weight < 1 || pref.Weight > 100 {
			errs = append(errs, invalid(pp.child("weight"), pref.Weight, "must be in the range 1-100"))
		}
		errs = append(errs, validateNodeSelectorTerm(&pref.Preference, pp.child("preference"))...)
	}
	return errs
}

func validateNodeSelectorTerm(term *NodeSelectorTerm, p fieldPath) ErrorList {
	var errs ErrorList
	for i, r := range term.MatchExpressions {
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
		case "Gt", "Lt":
			if len(r.Values) != 1 {
				errs = append(errs, required(rp.child("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"))
			} else if _, err := strconv.ParseInt(r.Values[0], 10, 64); err != nil {
				errs = append(errs, invalid(rp.child("values").index(0), r.Values[0], "must be an integer"))
			}
		default:
			errs = append(errs, invalid(rp.child("operator"), r.Operator, "not a valid selector operator"))
		}
	}
	for i, r := range term.MatchFields {
		rp := p.child("matchFields").index(i)
		if r.Key != "metadata.name" {
			errs = append(errs, invalid(rp.child("key"), r.Key, "not a valid field selector key"))
		}
		if !oneOf(r.Operator, "In", "NotIn") {
			errs = append(errs, invalid(rp.child("operator"), r.Operator, "not a valid selector operator"))
		} else if len(r.Values) != 1 {
			errs = append(errs, required(rp.child("values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
		}
	}
	return errs
}
