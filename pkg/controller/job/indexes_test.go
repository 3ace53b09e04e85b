package job

import (
	"slices"
	"strconv"
	"testing"

	"kubelab/pkg/api"
)

func TestIntervals(t *testing.T) {
	tests := []struct {
		name    string
		indexes []int
		want    string
	}{
		{name: "none", want: ""},
		{name: "one", indexes: []int{3}, want: "3"},
		{name: "a range and a single", indexes: []int{4, 0, 2, 1}, want: "0-2,4"},
		{name: "two neighbours are a list", indexes: []int{6, 5}, want: "5,6"},
		{name: "Kubernetes' example", indexes: []int{1, 3, 4, 5, 7}, want: "1,3-5,7"},
		{name: "twice is once", indexes: []int{2, 2, 3, 3, 4}, want: "2-4"},
		{name: "a gap closed", indexes: []int{0, 1, 3, 4, 2}, want: "0-4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var iv intervals
			for _, i := range tt.indexes {
				iv = iv.with(i)
			}
			if got := iv.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			back := parseIntervals(tt.want, 100)
			if back.String() != tt.want {
				t.Errorf("parseIntervals(%q) = %q", tt.want, back)
			}
		})
	}
	if got := parseIntervals("0-2,x,7,9-12", 10).String(); got != "0-2,7,9" {
		t.Errorf("parse keeps what parses below completions: %q", got)
	}
}

// An Indexed Job runs one pod per index, lowest first; a succeeded index
// is not run again, and completedIndexes says which are done.
func TestIndexed(t *testing.T) {
	f := newFixture(newJob(indexed, completions(4), parallel(2)))
	f.step(t)
	pods := f.w.CreatedPods()
	if len(pods) != 2 {
		t.Fatalf("%d pods, want 2", len(pods))
	}
	for i, p := range pods {
		s := strconv.Itoa(i)
		if p.Annotations[api.JobCompletionIndexAnnotation] != s || p.Labels[api.JobCompletionIndexAnnotation] != s {
			t.Errorf("pod %d: annotations %v, labels %v", i, p.Annotations, p.Labels)
		}
		if p.GenerateName != "pi-"+s+"-" || p.Spec.Hostname != "pi-"+s {
			t.Errorf("pod %d: generateName %q, hostname %q", i, p.GenerateName, p.Spec.Hostname)
		}
		env := p.Spec.Containers[0].Env
		if len(env) != 1 || env[0].Name != "JOB_COMPLETION_INDEX" || env[0].ValueFrom == nil ||
			env[0].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
			t.Errorf("pod %d: env %+v", i, env)
		}
	}

	f.end(t, api.PodSucceeded, byIndex(f, 1))
	f.step(t)
	if got := indexesOf(f.w.CreatedPods()[2:]); !slices.Equal(got, []string{"2"}) {
		t.Fatalf("after index 1 succeeded, created %q, want index 2", got)
	}
	if st := f.job().Status; st.CompletedIndexes != "1" || st.Succeeded != 1 || st.Active != 2 {
		t.Fatalf("status %+v", st)
	}

	f.end(t, api.PodSucceeded, byIndex(f, 0), byIndex(f, 2))
	f.step(t)
	if got := indexesOf(f.w.CreatedPods()[3:]); !slices.Equal(got, []string{"3"}) {
		t.Fatalf("created %q, want index 3 only", got)
	}
	if st := f.job().Status; st.CompletedIndexes != "0-2" || st.Succeeded != 3 {
		t.Fatalf("status %+v", st)
	}
	f.end(t, api.PodSucceeded, byIndex(f, 3))
	f.step(t)
	st := f.job().Status
	if st.CompletedIndexes != "0-3" || st.Succeeded != 4 || condition(f.job(), api.JobComplete) == nil {
		t.Fatalf("status %+v, want Complete with 0-3", st)
	}
}

// A pod of an index already done, run twice, or out of range is deleted;
// completedIndexes in the status outlives the pods that made it.
func TestIndexedCleansUp(t *testing.T) {
	j := newJob(indexed, completions(3), parallel(3), startedAt(start))
	j.Status.CompletedIndexes = "0"
	withIndex := func(name string, i int) *api.Pod {
		p := newPod(name, j)
		p.Annotations = map[string]string{api.JobCompletionIndexAnnotation: strconv.Itoa(i)}
		return p
	}
	f := newFixture(j, withIndex("pi-done", 0), withIndex("pi-1a", 1), withIndex("pi-1b", 1), withIndex("pi-9", 9))
	writes := f.step(t)
	slices.Sort(writes)
	want := []string{"create pods default/pi-2-00001", "delete pods default/pi-1b", "delete pods default/pi-9",
		"delete pods default/pi-done", "updateStatus jobs default/pi"}
	if !slices.Equal(writes, want) {
		t.Fatalf("writes %q, want %q", writes, want)
	}
	if st := f.job().Status; st.CompletedIndexes != "0" || st.Succeeded != 1 || st.Active != 2 {
		t.Errorf("status %+v", st)
	}
}

// byIndex is the name of the active pod with index i.
func byIndex(f *fixture, i int) string {
	for _, name := range f.active() {
		obj, _ := f.pods.Get("default/" + name)
		if obj.(*api.Pod).Annotations[api.JobCompletionIndexAnnotation] == strconv.Itoa(i) {
			return name
		}
	}
	return ""
}

func indexesOf(pods []*api.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Annotations[api.JobCompletionIndexAnnotation])
	}
	return out
}
