package kubelet

import "testing"

// TestExpand: Kubernetes' $(VAR) rules, each case of its expansion tests
// that a manifest may meet.
func TestExpand(t *testing.T) {
	vars := map[string]string{"POD_IP": "10.244.1.2", "EMPTY": "", "PORT": "8080"}
	lookup := func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	tests := []struct {
		name, in, want string
	}{
		{"nothing to expand", "plain text", "plain text"},
		{"one reference", "--ip=$(POD_IP)", "--ip=10.244.1.2"},
		{"two, side by side", "$(POD_IP):$(PORT)", "10.244.1.2:8080"},
		{"an empty value", "[$(EMPTY)]", "[]"},
		{"an unknown name stays", "$(NOPE) and $(PORT)", "$(NOPE) and 8080"},
		{"$$ escapes", "$$(POD_IP)", "$(POD_IP)"},
		{"$$$ is an escaped $ and a lone one", "$$$", "$$"},
		{"an escaped $ before a reference", "$$$(PORT)", "$8080"},
		{"a lone $ before a letter stays", "cost $5 or $x", "cost $5 or $x"},
		{"a $ at the end stays", "total$", "total$"},
		{"an unclosed reference stays", "$(POD_IP", "$(POD_IP"},
		{"an empty name", "$()", "$()"},
		{"no nesting", "$($(PORT))", "$($(PORT))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := expand(tt.in, lookup); got != tt.want {
				t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
