package kctl

// The workload generators of kubectl create: deployment, job and
// cronjob build the object from a few flags, as kubectl's
// create_deployment.go, create_job.go and create_cronjob.go do, and
// `create job --from=cronjob/NAME` starts a CronJob's Job by hand.

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
)

// instantiateAnnotation marks a Job made from a CronJob by hand.
const instantiateAnnotation = "cronjob.kubernetes.io/instantiate"

func newCreateDeploymentCommand(g *globals) *cobra.Command {
	var images []string
	var replicas, port int32
	var out generatorFlags
	cmd := &cobra.Command{
		Use:     "deployment NAME --image=image -- [COMMAND] [args...]",
		Aliases: []string{"deploy"},
		Short:   "Create a deployment with the specified name",
		Example: "  kctl create deployment web --image=nginx --replicas=3 --port=80\n" +
			"  kctl create deployment web --image=busybox -- date\n" +
			"  kctl create deployment web --image=nginx --dry-run=client -o yaml",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, command, err := nameAndCommand(cmd, args)
			if err != nil {
				return err
			}
			if len(images) > 1 && len(command) > 0 {
				return fmt.Errorf("cannot specify multiple --image options and command")
			}
			d := newDeployment(g.generatedMeta(name), images, command, replicas, port)
			return g.emitGenerated(cmd, out, "deployments", d, actionCreated)
		},
	}
	cmd.Flags().StringSliceVar(&images, "image", nil, "Image names to run. A deployment can have multiple images set for multi-container pod.")
	cmd.Flags().Int32Var(&replicas, "replicas", 1, "Number of replicas to create. Default is 1.")
	cmd.Flags().Int32Var(&port, "port", -1, "The containerPort that this deployment exposes.")
	_ = cmd.MarkFlagRequired("image")
	out.addFlags(cmd)
	return cmd
}

// newDeployment is kubectl's deployment generator: label app=NAME on the
// pods and as the selector, one container per image named after it.
func newDeployment(meta api.ObjectMeta, images, command []string, replicas, port int32) *api.Deployment {
	labels := map[string]string{"app": meta.Name}
	meta.Labels = labels
	var spec api.PodSpec
	taken := map[string]bool{}
	for _, image := range images {
		spec.Containers = append(spec.Containers, api.Container{Name: containerName(image, taken), Image: image, Command: command})
	}
	if port >= 0 && len(spec.Containers) > 0 {
		spec.Containers[0].Ports = []api.ContainerPort{{ContainerPort: port}}
	}
	return &api.Deployment{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta,
		Spec: api.DeploymentSpec{
			Replicas: &replicas,
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels}, Spec: spec},
		},
	}
}

// containerName is an image's base name without tag or digest, with
// '_' made '-'; a name already taken gets a random suffix, as kubectl's
// sanitizeAndUniquify.
func containerName(image string, taken map[string]bool) string {
	name := image[strings.LastIndex(image, "/")+1:]
	name, _, _ = strings.Cut(name, "@")
	name, _, _ = strings.Cut(name, ":")
	name = strings.ReplaceAll(name, "_", "-")
	if taken[name] {
		const letters = "bcdfghjklmnpqrstvwxz2456789" // kubectl's rand.String alphabet
		suffix := make([]byte, 5)
		for i := range suffix {
			suffix[i] = letters[rand.IntN(len(letters))]
		}
		name += "-" + string(suffix)
	}
	taken[name] = true
	return name
}

func newCreateJobCommand(g *globals) *cobra.Command {
	var image, from string
	var out generatorFlags
	cmd := &cobra.Command{
		Use:   "job NAME --image=image [--from=cronjob/name] -- [COMMAND] [args...]",
		Short: "Create a job with the specified name",
		Example: "  kctl create job my-job --image=busybox -- date\n" +
			"  kctl create job test-job --from=cronjob/a-cronjob",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, command, err := nameAndCommand(cmd, args)
			if err != nil {
				return err
			}
			switch {
			case image == "" && from == "":
				return fmt.Errorf("either --image or --from must be specified")
			case image != "" && from != "":
				return fmt.Errorf("--image and --from can't be specified together")
			case from != "" && len(command) > 0:
				return fmt.Errorf("cannot specify --from and command")
			}
			var job *api.Job
			if from != "" {
				if job, err = g.jobFromCronJob(cmd, name, from); err != nil {
					return err
				}
			} else {
				job = &api.Job{ObjectMeta: g.generatedMeta(name), Spec: api.JobSpec{Template: api.PodTemplateSpec{Spec: api.PodSpec{
					Containers:    []api.Container{{Name: name, Image: image, Command: command}},
					RestartPolicy: "Never",
				}}}}
			}
			job.TypeMeta = api.TypeMeta{APIVersion: "batch/v1", Kind: "Job"}
			return g.emitGenerated(cmd, out, "jobs", job, actionCreated)
		},
	}
	cmd.Flags().StringVar(&image, "image", "", "Image name to run.")
	cmd.Flags().StringVar(&from, "from", "", "The name of the resource to create a Job from (only cronjob is supported).")
	out.addFlags(cmd)
	return cmd
}

// jobFromCronJob is the Job the CronJob would start, started now: its
// jobTemplate, marked manual and owned by the CronJob, so that deleting
// the CronJob deletes it.
func (g *globals) jobFromCronJob(cmd *cobra.Command, name, from string) (*api.Job, error) {
	targets, err := parseSlashTargets([]string{from})
	if err != nil {
		return nil, err
	}
	if targets[0].res.Name != "cronjobs" {
		return nil, fmt.Errorf("from must be an existing cronjob, got %s", from)
	}
	c, err := g.client()
	if err != nil {
		return nil, err
	}
	obj, err := c.Resource(targets[0].res).Namespace(g.namespace).Get(cmd.Context(), targets[0].names[0])
	if err != nil {
		return nil, err
	}
	cj := obj.(*api.CronJob)
	annotations := map[string]string{instantiateAnnotation: "manual"}
	for k, v := range cj.Spec.JobTemplate.Annotations {
		annotations[k] = v
	}
	meta := g.generatedMeta(name)
	meta.Annotations = annotations
	meta.Labels = cj.Spec.JobTemplate.Labels
	meta.OwnerReferences = []api.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: api.Bool(true)}}
	return &api.Job{ObjectMeta: meta, Spec: cj.Spec.JobTemplate.Spec}, nil
}

func newCreateCronJobCommand(g *globals) *cobra.Command {
	var image, schedule, restart string
	var out generatorFlags
	cmd := &cobra.Command{
		Use:     "cronjob NAME --image=image --schedule='0/5 * * * ?' -- [COMMAND] [args...]",
		Aliases: []string{"cj"},
		Short:   "Create a cronjob with the specified name",
		Example: `  kctl create cronjob my-job --image=busybox --schedule="*/1 * * * *" -- date`,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, command, err := nameAndCommand(cmd, args)
			if err != nil {
				return err
			}
			if restart != "OnFailure" && restart != "Never" {
				return fmt.Errorf("invalid restart policy %q: a cronjob's is OnFailure or Never", restart)
			}
			cj := &api.CronJob{
				TypeMeta:   api.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
				ObjectMeta: g.generatedMeta(name),
				Spec: api.CronJobSpec{Schedule: schedule, JobTemplate: api.JobTemplateSpec{
					ObjectMeta: api.ObjectMeta{Name: name},
					Spec: api.JobSpec{Template: api.PodTemplateSpec{Spec: api.PodSpec{
						Containers:    []api.Container{{Name: name, Image: image, Command: command}},
						RestartPolicy: restart,
					}}},
				}},
			}
			return g.emitGenerated(cmd, out, "cronjobs", cj, actionCreated)
		},
	}
	cmd.Flags().StringVar(&image, "image", "", "Image name to run.")
	cmd.Flags().StringVar(&schedule, "schedule", "", "A schedule in the Cron format the job should be run with.")
	cmd.Flags().StringVar(&restart, "restart", "OnFailure", "job's restart policy. supported values: OnFailure, Never")
	_ = cmd.MarkFlagRequired("image")
	_ = cmd.MarkFlagRequired("schedule")
	out.addFlags(cmd)
	return cmd
}

// nameAndCommand splits NAME -- COMMAND ARGS…: the one argument before
// the dash, and everything after it.
func nameAndCommand(cmd *cobra.Command, args []string) (string, []string, error) {
	before := len(args)
	if dash := cmd.ArgsLenAtDash(); dash >= 0 {
		before = dash
	}
	if before != 1 {
		return "", nil, fmt.Errorf("exactly one NAME is required, got %d", before)
	}
	return args[0], args[1:], nil
}
