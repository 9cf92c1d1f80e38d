package ui_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// part is one field of a multipart form, in the order it is sent.
type part struct{ name, fileName, value string }

func postMultipart(t *testing.T, c *http.Client, u string, parts ...part) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.fileName != "" || p.name == "file" {
			w, err = mw.CreateFormFile(p.name, p.fileName)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, p.value)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", u, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return do(t, c, req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn returns a client with a session and the session's CSRF token.
func signIn(t *testing.T, n *testnet.Node, user string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(n.URL+"/login", url.Values{"login": {user}, "password": {"password-" + user}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	_, body := get(t, c, n.URL+"/")
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s: no CSRF token after login", user)
	}
	return c, m[1]
}

// The documents pages without a browser: the CSRF token is checked before
// the file, refused files keep the form, the reading rule of downloads.
func TestDocumentsHTTP(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{MaxUploadBytes: 64 << 10})
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	n.CreateUser("bob", store.TierState, "")
	if _, err := n.Outbox.CreateGroup(ctx, alice.Account, outbox.NewGroup{Name: "Atelier", Username: "atelier",
		Visibility: store.VisibilityPrivate, JoinPolicy: store.JoinApproval}); err != nil {
		t.Fatal(err)
	}
	c, csrf := signIn(t, n, "alice")
	base := n.URL + "/g/atelier/documents"
	pdf := "%PDF-1.7\n% note\n%%EOF\n"
	count := func() int {
		g, err := n.Store.LocalActorByUsername(ctx, "atelier")
		if err != nil {
			t.Fatal(err)
		}
		docs, err := n.Store.Documents(ctx, store.DocumentQuery{GroupID: g.ID})
		if err != nil {
			t.Fatal(err)
		}
		return len(docs)
	}

	// The token must come first: after the file, or missing, it is refused.
	res, _ := postMultipart(t, c, base, part{name: "file", fileName: "note.pdf", value: pdf}, part{name: "csrf", value: csrf})
	if res.StatusCode != http.StatusForbidden || count() != 0 {
		t.Errorf("token after the file: %d, %d documents", res.StatusCode, count())
	}
	res, _ = postMultipart(t, c, base, part{name: "csrf", value: "wrong"}, part{name: "file", fileName: "note.pdf", value: pdf})
	if res.StatusCode != http.StatusForbidden || count() != 0 {
		t.Errorf("wrong token: %d", res.StatusCode)
	}

	// A refused type keeps what was typed.
	res, body := postMultipart(t, c, base, part{name: "csrf", value: csrf},
		part{name: "file", fileName: "page.html", value: "<!doctype html><html><script>alert(1)</script></html>"},
		part{name: "description", value: "Note d'étape du chantier"}, part{name: "folder", value: "Notes"})
	if res.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(body, "Note d&#39;étape du chantier") ||
		!strings.Contains(body, `value="Notes"`) || !strings.Contains(body, "text/html") {
		t.Errorf("refused type: %d\n%s", res.StatusCode, body)
	}
	res, body = postMultipart(t, c, base, part{name: "csrf", value: csrf}, part{name: "file", fileName: "", value: ""},
		part{name: "description", value: "Sans fichier"})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Sans fichier") {
		t.Errorf("no file: %d", res.StatusCode)
	}

	// Too large: refused, with the text fields (sent first) kept.
	res, body = postMultipart(t, c, base, part{name: "csrf", value: csrf}, part{name: "description", value: "Trop gros"},
		part{name: "folder", value: "Notes"}, part{name: "file", fileName: "gros.pdf", value: pdf + strings.Repeat("x", 100<<10)})
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "Trop gros") || !strings.Contains(body, "64 Ko") || count() != 0 {
		t.Errorf("too large: %d, %d documents\n%s", res.StatusCode, count(), body)
	}

	// Upload, then find, rename with a bad then a good name, download.
	res, body = postMultipart(t, c, base, part{name: "csrf", value: csrf}, part{name: "file", fileName: "note.pdf", value: pdf},
		part{name: "description", value: "Note d'étape du chantier"}, part{name: "folder", value: "Notes"})
	if res.StatusCode != 200 || !strings.Contains(body, "Document ajouté") || count() != 1 {
		t.Fatalf("upload: %d\n%s", res.StatusCode, body)
	}
	docURL := res.Request.URL.Scheme + "://" + res.Request.URL.Host + res.Request.URL.Path
	_, body = get(t, c, base+"?q=etape")
	if !strings.Contains(body, "note.pdf") {
		t.Errorf("search without accents does not find the document")
	}
	if _, body := get(t, c, base+"?q=etape", "Accept-Language", "en"); !strings.Contains(body, "1 document found") || !strings.Contains(body, "Add a document") {
		t.Errorf("documents page in English:\n%s", body)
	}
	_, body = get(t, c, base+"?folder=Autre")
	if strings.Contains(body, `href="`+res.Request.URL.Path+`"`) {
		t.Errorf("folder filter shows a document of another folder")
	}
	res, err := c.PostForm(docURL+"/edit", url.Values{"csrf": {csrf}, "name": {"../x.pdf"}, "folder": {"Notes"}, "description": {"Gardée"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "Gardée") || !strings.Contains(string(b), `value="../x.pdf"`) {
		t.Errorf("bad name: %d", res.StatusCode)
	}
	res, err = c.PostForm(docURL+"/edit", url.Values{"csrf": {csrf}, "name": {"note-etape.pdf"}, "folder": {"Notes/2026"}, "description": {"Gardée"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "note-etape.pdf") || !strings.Contains(string(b), "Notes/2026") {
		t.Errorf("rename: %d", res.StatusCode)
	}
	res, body = get(t, c, docURL+"/file?version=1")
	if res.StatusCode != 200 || body != pdf || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %q %v", res.StatusCode, body, res.Header)
	}
	if res, _ := get(t, c, docURL+"/file?version=9"); res.StatusCode != 404 {
		t.Errorf("no such version: %d", res.StatusCode)
	}

	// A private group's documents are for its members.
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, _ := get(t, anon, docURL+"/file"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("anonymous download: %d", res.StatusCode)
	}
	if res, body := get(t, anon, docURL); res.StatusCode != http.StatusForbidden || strings.Contains(body, "note-etape") {
		t.Errorf("anonymous document page: %d", res.StatusCode)
	}
	bc, bcsrf := signIn(t, n, "bob")
	if res, _ := get(t, bc, docURL+"/file"); res.StatusCode != http.StatusForbidden {
		t.Errorf("non-member download: %d", res.StatusCode)
	}
	if res, _ := postMultipart(t, bc, base, part{name: "csrf", value: bcsrf}, part{name: "file", fileName: "x.pdf", value: pdf}); res.StatusCode != http.StatusForbidden || count() != 1 {
		t.Errorf("non-member upload: %d", res.StatusCode)
	}
	res, err = bc.PostForm(docURL+"/delete", url.Values{"csrf": {bcsrf}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || count() != 1 {
		t.Errorf("non-member delete: %d", res.StatusCode)
	}

	// A new version, then delete.
	res, body = postMultipart(t, c, docURL+"/versions", part{name: "csrf", value: csrf}, part{name: "file", fileName: "note-etape.pdf", value: pdf + "v2\n"})
	if res.StatusCode != 200 || !strings.Contains(body, "Nouvelle version ajoutée") || !strings.Contains(body, "file?version=2") {
		t.Errorf("new version: %d", res.StatusCode)
	}
	if res, body := get(t, c, docURL+"/file"); body != pdf+"v2\n" {
		t.Errorf("current version after v2: %d %q", res.StatusCode, body)
	}
	res, err = c.PostForm(docURL+"/delete", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || count() != 0 {
		t.Errorf("delete: %d, %d documents", res.StatusCode, count())
	}
	if res, _ := get(t, c, docURL); res.StatusCode != 404 {
		t.Errorf("deleted document page: %d", res.StatusCode)
	}
}
