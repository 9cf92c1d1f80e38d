package ui_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// internals are what no answer may show.
var internals = []string{"SQLSTATE", "invalid byte sequence", "pgx", "postgres", "dial tcp", "connection refused"}

// Issue 13.7, the web side: a NUL byte or invalid UTF-8 in a page's
// address, query, form or upload field is a 400 or 422 page that says
// what is wrong, in the reader's language; never a 500, never JSON, never
// the database's words, and nothing stored.
func TestBadTextPages(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "admin")
	if _, err := n.Outbox.CreateGroup(t.Context(), alice.Account, outbox.NewGroup{Name: "Atelier", Username: "atelier",
		Visibility: store.VisibilityPublic, JoinPolicy: store.JoinOpen}); err != nil {
		t.Fatal(err)
	}
	c, csrf := signIn(t, n, "alice")
	const nul, badUTF8 = "a\x00b", "a\xff\xfeb"
	check := func(what string, res *http.Response, body string, lang string) {
		t.Helper()
		if res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 400 or 422\n%.400s", what, res.StatusCode, body)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: %s, want a page", what, ct)
		}
		want := map[string]string{"fr": "caractère nul", "en": "NUL character"}[lang]
		if !strings.Contains(pageText(t, body), want) {
			t.Errorf("%s: the page does not say %q:\n%s", what, want, pageText(t, body))
		}
		for _, bad := range internals {
			if strings.Contains(body, bad) {
				t.Errorf("%s: the page shows %q", what, bad)
			}
		}
	}
	page := func(path string, header ...string) {
		t.Helper()
		req, _ := http.NewRequest("GET", n.URL+path, nil)
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
		lang := "fr"
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
			if header[i] == "Accept-Language" {
				lang = header[i+1]
			}
		}
		res, body := do(t, c, req)
		check("GET "+path, res, body, lang)
	}
	for _, bad := range []string{nul, badUTF8} {
		q := url.QueryEscape(bad)
		page("/directory?q=" + q)
		page("/directory?skill="+q, "Accept-Language", "en")
		page("/g/atelier/documents?q=" + q)
		page("/g/atelier/documents?folder=" + q)
		page("/find?q=" + q)
		page("/tags/" + url.PathEscape(bad))
		page("/@" + url.PathEscape(bad))
		page("/g/" + url.PathEscape(bad) + "/documents")
	}

	posts := func() int {
		counts, err := n.Store.CountsOf(t.Context(), []int64{alice.Actor.ID})
		if err != nil {
			t.Fatal(err)
		}
		return int(counts[alice.Actor.ID].Statuses)
	}
	form := func(path string, values url.Values) {
		t.Helper()
		values.Set("csrf", csrf)
		req, _ := http.NewRequest("POST", n.URL+path, strings.NewReader(values.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		res, body := do(t, c, req)
		check("POST "+path, res, body, "fr")
	}
	for _, bad := range []string{nul, badUTF8} {
		form("/posts", url.Values{"text": {bad}, "visibility": {"public"}})
		form("/new/group", url.Values{"name": {bad}, "username": {"autre"}, "visibility": {"public"}, "join_policy": {"open"}})
		form("/settings/profile", url.Values{"display_name": {"Alice"}, "bio": {bad}})
		form("/settings/skills/add", url.Values{"skill": {bad}})
		form("/admin/units", url.Values{"unit_name": {bad}, "unit_kind": {"service"}})
		form("/admin/tier-rules", url.Values{"pattern": {bad}, "tier": {"state"}})
	}
	// A bad escape in a form is the sender's fault: the pair is dropped
	// (as net/url does), and the form refused for what it then lacks.
	req, _ := http.NewRequest("POST", n.URL+"/posts", strings.NewReader("text=%zz&visibility=public&csrf="+url.QueryEscape(csrf)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, body := do(t, c, req); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("POST /posts with a bad escape: %d\n%s", res.StatusCode, pageText(t, body))
	}
	if got := posts(); got != 0 {
		t.Errorf("%d posts stored from refused forms", got)
	}

	// An upload's fields are read part by part: the same check, on the form.
	pdf := "%PDF-1.7\n%%EOF\n"
	for _, bad := range []string{nul, badUTF8} {
		for _, field := range []string{"description", "folder"} {
			res, body := postMultipart(t, c, n.URL+"/g/atelier/documents", part{name: "csrf", value: csrf},
				part{name: field, value: bad}, part{name: "file", fileName: "note.pdf", value: pdf})
			check("upload with a bad "+field, res, body, "fr")
		}
		res, body := postMultipart(t, c, n.URL+"/g/atelier/documents", part{name: "csrf", value: csrf},
			part{name: "file", fileName: "no" + bad + "te.pdf", value: pdf})
		// A NUL in a part's header is a malformed form (400), invalid UTF-8
		// a refused name (422); a page either way.
		if res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("upload with a bad file name: %d\n%.300s", res.StatusCode, body)
		}
	}
	g, err := n.Store.LocalActorByUsername(t.Context(), "atelier")
	if err != nil {
		t.Fatal(err)
	}
	if docs, err := n.Store.Documents(t.Context(), store.DocumentQuery{GroupID: g.ID}); err != nil || len(docs) != 0 {
		t.Errorf("refused uploads stored %d documents (%v)", len(docs), err)
	}

	// The same upload through the API is a JSON 400.
	groupID := strconv.FormatInt(g.ID, 10)
	for _, bad := range []string{nul, badUTF8} {
		res := alice.Upload("/groups/"+groupID+"/documents", "note.pdf", []byte(pdf), map[string]string{"description": bad})
		if res.Status != 400 && res.Status != 422 || !strings.Contains(string(res.Body), `"error"`) {
			t.Errorf("API upload with a bad description: %d %s", res.Status, res.Body)
		}
		res = alice.Upload("/groups/"+groupID+"/documents", "no"+bad+"te.pdf", []byte(pdf), nil)
		if res.Status != 400 && res.Status != 422 || !strings.Contains(string(res.Body), `"error"`) {
			t.Errorf("API upload with a bad file name: %d %s", res.Status, res.Body)
		}
	}

	// A User-Agent is kept with the session, cut to 300 bytes: never in
	// the middle of a character, and invalid UTF-8 is dropped, so that
	// signing in never fails on it.
	for _, ua := range []string{strings.Repeat("é", 200), "Navigateur \xff\xfe 1.0"} {
		req, _ := http.NewRequest("POST", n.URL+"/login", strings.NewReader(url.Values{"login": {"alice"}, "password": {"password-alice"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("User-Agent", ua)
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, body := do(t, noRedirect, req)
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("sign-in with User-Agent %q: %d\n%.300s", ua, res.StatusCode, body)
		}
	}
}
