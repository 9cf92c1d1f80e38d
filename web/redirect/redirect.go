// Package redirect checks every redirect target that comes from a request:
// the "next" page after signing in or switching language, the return path
// of single sign-on, and the redirect URIs OAuth apps register. A target
// that does not pass is replaced, never followed.
package redirect

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// Local returns next when it is a path on this node, and "/" otherwise.
// It must parse as a relative reference with neither scheme nor host,
// start with a single "/", and hold no backslash and no control character,
// before or after percent-decoding: browsers drop tabs and newlines and
// read "\" as "/", so "/\t/elsewhere" or "/\\elsewhere" would leave the node.
func Local(next string) string {
	if IsLocal(next) {
		return next
	}
	return "/"
}

// IsLocal tells whether next is a safe same-origin path (see Local).
func IsLocal(next string) bool {
	if next == "" || len(next) > 2000 || !strings.HasPrefix(next, "/") {
		return false
	}
	decoded, err := url.PathUnescape(next)
	if err != nil {
		return false
	}
	for _, s := range []string{next, decoded} {
		if strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') || strings.ContainsFunc(s, unicode.IsControl) {
			return false
		}
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && u.Opaque == "" && u.User == nil
}

// To redirects to next when it is local, and to "/" otherwise.
func To(w http.ResponseWriter, r *http.Request, next string, code int) {
	http.Redirect(w, r, Local(next), code)
}

// ClientURI checks a redirect URI an OAuth app registers: the out-of-band
// URN, or an absolute URI without fragment, control characters or
// backslashes, whose scheme is not one that runs code or reads files.
// Native apps' own schemes (elk://, toot://) are allowed, as Mastodon does.
func ClientURI(raw string) error {
	if raw == "urn:ietf:wg:oauth:2.0:oob" {
		return nil
	}
	if raw == "" || len(raw) > 2000 || strings.ContainsRune(raw, '\\') || strings.ContainsFunc(raw, unicode.IsControl) {
		return errors.New("not a redirect URI")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(raw, "#") {
		return errors.New("an absolute URI without fragment")
	}
	switch strings.ToLower(u.Scheme) {
	case "javascript", "data", "vbscript", "file", "blob", "about":
		return errors.New("scheme " + u.Scheme + " is not allowed")
	case "http", "https":
		if u.Host == "" {
			return errors.New("an http(s) URI needs a host")
		}
	}
	return nil
}
