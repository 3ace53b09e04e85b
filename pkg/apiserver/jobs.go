package apiserver

import "kubelab/pkg/api"

// A Job's selector is the apiserver's to make, as in Kubernetes' Job
// strategy: one that selects by the Job's uid matches its own pods and no
// other controller's, whatever labels the user wrote. Unless the user
// asks to choose (manualSelector: true), the template gets the Job's uid
// and name as labels, under Kubernetes' names and their older unprefixed
// ones (controller-uid, job-name), which Kubernetes still adds for the
// clients that select on them, and the selector selects the uid.
//
// It runs after prepareCreate has given the Job its uid, and after the
// Job's name is final (generateName), just before validation, where
// Kubernetes runs it too. Labels the user set under those keys are kept,
// so that validation can refuse them.

// generateJobSelector fills in a Job's selector and its template's
// labels, unless the Job chose its selector.
func generateJobSelector(job *api.Job) {
	if job.Spec.ManualSelector != nil && *job.Spec.ManualSelector {
		return
	}
	tmpl := &job.Spec.Template
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	for k, v := range map[string]string{
		api.LegacyJobNameLabel: job.Name, api.JobNameLabel: job.Name,
		api.LegacyControllerUIDLabel: job.UID, api.ControllerUIDLabel: job.UID,
	} {
		if _, set := tmpl.Labels[k]; !set {
			tmpl.Labels[k] = v
		}
	}
	if job.Spec.Selector == nil {
		job.Spec.Selector = &api.LabelSelector{}
	}
	if job.Spec.Selector.MatchLabels == nil {
		job.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, set := job.Spec.Selector.MatchLabels[api.ControllerUIDLabel]; !set {
		job.Spec.Selector.MatchLabels[api.ControllerUIDLabel] = job.UID
	}
}
