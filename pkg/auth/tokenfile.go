package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// TokenFile is Kubernetes' static token file (--token-auth-file): one
// user per line, as CSV,
//
//	# token,user,uid,"group1,group2"
//	31ada4fd-adec-460c-809a-9e56ceb75269,alice,1001,"system:masters"
//	6c2f4e0b-8f0e-4b6b-9d3d-1e5b1c6f7a2b,bob,1002
//
// The groups column may be left out; blank lines and lines starting with
// # are skipped. The tokens never expire: the file is for a lab and for
// bootstrapping, not for people in production.
type TokenFile struct {
	// users is keyed by the SHA-256 of the token, so that a lookup does
	// not compare the secret byte by byte as a map of strings would.
	users map[[sha256.Size]byte]tokenEntry
}

type tokenEntry struct {
	token string
	user  User
}

var _ Authenticator = (*TokenFile)(nil)

// LoadTokenFile reads a token file. An error names the file, the line and
// what is wrong with it.
func LoadTokenFile(path string) (*TokenFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tf, err := parseTokenFile(f)
	if err != nil {
		return nil, fmt.Errorf("token file %s: %w", path, err)
	}
	return tf, nil
}

// parseTokenFile reads the CSV lines of a token file.
func parseTokenFile(in io.Reader) (*TokenFile, error) {
	r := csv.NewReader(in)
	r.Comment = '#'
	r.FieldsPerRecord = -1 // the groups column is optional
	r.TrimLeadingSpace = true
	tf := &TokenFile{users: map[[sha256.Size]byte]tokenEntry{}}
	lines := map[[sha256.Size]byte]int{} // where each token was first seen
	for {
		record, err := r.Read()
		if err == io.EOF {
			return tf, nil
		}
		if err != nil {
			return nil, err // csv's errors name the line already
		}
		line, _ := r.FieldPos(0)
		e, err := tokenRecord(record)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		sum := sha256.Sum256([]byte(e.token))
		if first, dup := lines[sum]; dup {
			return nil, fmt.Errorf("line %d: duplicate token, already given to a user on line %d", line, first)
		}
		lines[sum] = line
		tf.users[sum] = e
	}
}

// tokenRecord checks one line's columns: token, user, uid, groups.
func tokenRecord(record []string) (tokenEntry, error) {
	if len(record) < 3 {
		return tokenEntry{}, fmt.Errorf("want at least 3 columns (token, user, uid), found %d", len(record))
	}
	token, name, uid := strings.TrimSpace(record[0]), strings.TrimSpace(record[1]), strings.TrimSpace(record[2])
	switch {
	case token == "":
		return tokenEntry{}, errors.New("empty token")
	case name == "":
		return tokenEntry{}, errors.New("empty user name")
	}
	u := User{Name: name, UID: uid}
	if len(record) > 3 {
		for _, g := range strings.Split(record[3], ",") {
			if g = strings.TrimSpace(g); g != "" {
				u.Groups = append(u.Groups, g)
			}
		}
	}
	return tokenEntry{token: token, user: u}, nil
}

// AuthenticateRequest looks up the request's bearer token. A request
// without one, or with a token the file does not hold, is passed over
// (ok false, no error): another authenticator may know the token, and
// the Union answers 401 if none does.
func (tf *TokenFile) AuthenticateRequest(r *http.Request) (*User, bool, error) {
	token, ok := bearerToken(r)
	if !ok {
		return nil, false, nil
	}
	e, ok := tf.users[sha256.Sum256([]byte(token))]
	if !ok || subtle.ConstantTimeCompare([]byte(e.token), []byte(token)) != 1 {
		return nil, false, nil
	}
	u := e.user
	u.Groups = append([]string(nil), e.user.Groups...) // the caller may add to them
	return &u, true, nil
}

// bearerToken returns the token of an `Authorization: Bearer <token>`
// header; the scheme is case-insensitive, as in Kubernetes.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
