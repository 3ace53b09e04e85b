package auth

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseTokenFile(t *testing.T) {
	tests := []struct {
		name string
		file string
		want map[string]User // by token
		err  string
	}{
		{"users, groups optional, comments and blank lines skipped", `
# token,user,uid,groups
t1,alice,1001,"system:masters,ops"

t2, bob ,1002
t3,carol,,""
`, map[string]User{
			"t1": {Name: "alice", UID: "1001", Groups: []string{"system:masters", "ops"}},
			"t2": {Name: "bob", UID: "1002"},
			"t3": {Name: "carol"},
		}, ""},
		{"empty file", "", map[string]User{}, ""},
		{"empty token", "t1,alice,1\n,bob,2\n", nil, "line 2: empty token"},
		{"empty user", "# users\nt1,,1\n", nil, "line 2: empty user name"},
		{"duplicate token", "t1,alice,1\nt2,bob,2\nt1,carol,3\n", nil, "line 3: duplicate token, already given to a user on line 1"},
		{"too few columns", "t1,alice\n", nil, "line 1: want at least 3 columns (token, user, uid), found 2"},
		{"bad quoting", "t1,alice,1,\"ops\n", nil, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tf, err := parseTokenFile(strings.NewReader(tt.file))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]User{}
			for _, e := range tf.users {
				got[e.token] = e.user
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("users = %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}

func TestLoadTokenFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "tokens.csv")
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(good, []byte("t1,alice,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("t1,,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, err string
	}{
		{"good", good, ""},
		{"bad line, named with the file", bad, "token file " + bad + ": line 1: empty user name"},
		{"missing", filepath.Join(dir, "none.csv"), "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadTokenFile(tt.path)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("error = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestTokenFileAuthenticate(t *testing.T) {
	tf, err := parseTokenFile(strings.NewReader(`t1,alice,1001,"ops,dev"` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header string
		want   string // user name; "" for not ok
	}{
		{"no header", "", ""},
		{"known token", "Bearer t1", "alice"},
		{"scheme in any case", "bearer t1", "alice"},
		{"unknown token: another authenticator may know it", "Bearer t2", ""},
		{"a prefix of a token", "Bearer t", ""},
		{"basic auth", "Basic dDE6", ""},
		{"bearer without a token", "Bearer ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			u, ok, err := tf.AuthenticateRequest(r)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if ok != (tt.want != "") || ok && u.Name != tt.want {
				t.Fatalf("user = %+v, %v; want %q", u, ok, tt.want)
			}
		})
	}
}

// The user returned is a copy: adding a group to it does not add it to
// the next request's user.
func TestTokenFileReturnsCopies(t *testing.T) {
	tf, _ := parseTokenFile(strings.NewReader(`t1,alice,1,"ops"` + "\n"))
	r := httptest.NewRequest("GET", "/api", nil)
	r.Header.Set("Authorization", "Bearer t1")
	u, _, _ := tf.AuthenticateRequest(r)
	u.Groups[0] = "system:masters"
	u2, _, _ := tf.AuthenticateRequest(r)
	if u2.Groups[0] != "ops" {
		t.Errorf("groups = %v: the stored user was changed", u2.Groups)
	}
}
