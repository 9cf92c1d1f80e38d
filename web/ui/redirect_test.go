package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/testnet"
)

// Issue 13.4: the language switch and the sign-in's "next" send the
// browser only to a path of this node.
func TestNoOpenRedirect(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	n.CreateUser("alice", "state", "")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, next := range []string{"/%09/elsewhere/x", "//elsewhere", "/%5Celsewhere", "https://elsewhere/", "/\\elsewhere"} {
		res, _ := get(t, noFollow, n.URL+"/lang/en?next="+strings.ReplaceAll(next, "\\", "%5C"))
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("/lang/en?next=%s → Location %q", next, loc)
		}
		res, err := noFollow.PostForm(n.URL+"/login", url.Values{"login": {"alice"}, "password": {"password-alice"}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("sign-in with next=%q → Location %q", next, loc)
		}
	}
	res, _ := get(t, noFollow, n.URL+"/lang/en?next=/directory%3Fq%3Durbanisme")
	if loc := res.Header.Get("Location"); loc != "/directory?q=urbanisme" {
		t.Errorf("a local next: Location %q", loc)
	}
}
