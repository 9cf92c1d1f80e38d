package oauth

import (
	"slices"
	"strings"
)

// Mastodon's scopes: the top-level ones, and the granular ones under each
// (a parent grants all its children). Archipel's groups and documents add
// read:groups and write:groups under read and write.
var children = map[string][]string{
	"read": {"read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows",
		"read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses", "read:groups"},
	"write": {"write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
		"write:filters", "write:follows", "write:lists", "write:media", "write:mutes", "write:notifications",
		"write:reports", "write:statuses", "write:groups"},
	// follow is Mastodon's older name for the relationship scopes.
	"follow": {"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"},
	"push":   nil,
	// profile reads one's own account only (Mastodon 4.3).
	"profile": nil,
	"admin:read": {"admin:read:accounts", "admin:read:reports", "admin:read:domain_allows", "admin:read:domain_blocks",
		"admin:read:ip_blocks", "admin:read:email_domain_blocks", "admin:read:canonical_email_blocks"},
	"admin:write": {"admin:write:accounts", "admin:write:reports", "admin:write:domain_allows", "admin:write:domain_blocks",
		"admin:write:ip_blocks", "admin:write:email_domain_blocks", "admin:write:canonical_email_blocks"},
}

// AllScopes is what a personal token of the admin CLI holds.
const AllScopes = "read write follow push admin:read admin:write"

// DefaultScopes is what an app gets when it asks for none (Mastodon's).
const DefaultScopes = "read"

// Known lists every scope a client may ask for, top-level ones first.
func Known() []string {
	out := []string{"read", "write", "follow", "push", "profile", "admin:read", "admin:write"}
	seen := map[string]bool{}
	for _, top := range []string{"read", "write", "admin:read", "admin:write"} {
		for _, c := range children[top] {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

func known(scope string) bool {
	if _, ok := children[scope]; ok {
		return true
	}
	for _, list := range children {
		if slices.Contains(list, scope) {
			return true
		}
	}
	return false
}

// Scopes is a set of scopes as OAuth writes them: space-separated.
type Scopes []string

// ParseScopes reads a space-separated list (empty gives DefaultScopes) and
// refuses a scope this node does not know.
func ParseScopes(s string) (Scopes, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		fields = []string{DefaultScopes}
	}
	var out Scopes
	for _, f := range fields {
		if !known(f) {
			return nil, &Error{Code: "invalid_scope", Description: "unknown scope " + f}
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

// String is the scopes as OAuth writes them.
func (s Scopes) String() string { return strings.Join(s, " ") }

// Grants tells whether the set holds want, itself or through a parent:
// "read" grants "read:statuses", "follow" grants "write:follows", and
// "read" or "read:accounts" grant "profile".
func (s Scopes) Grants(want string) bool {
	for _, have := range s {
		if have == want || slices.Contains(children[have], want) {
			return true
		}
		if want == "profile" && (have == "read" || have == "read:accounts") {
			return true
		}
	}
	return false
}

// Within tells whether every scope of s is granted by limit (an app asks
// for at most the scopes it registered).
func (s Scopes) Within(limit Scopes) bool {
	for _, x := range s {
		if !limit.Grants(x) {
			return false
		}
	}
	return true
}
