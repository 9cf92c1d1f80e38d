package respond

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The text check, fuzzed: whatever the path, query and form hold, a
// request reaches the handler only when all of its text is GoodText, and
// is otherwise answered 400 or 422 with a JSON error naming no internals.
// The seed corpus is in testdata/fuzz/FuzzCheckText.
func FuzzCheckText(f *testing.F) {
	for _, s := range [][3]string{
		{"/directory", "q=caf%C3%A9", "text=bonjour"},
		{"/api/v1/accounts/lookup", "acct=a%00b", ""},
		{"/@a%FF", "", ""},
		{"/posts", "", "text=a%00b"},
		{"/x", "q=%ED%A0%80", "name=%C3"},
		{"/x", "%00=1", "a%FFb=2"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, path, rawQuery, form string) {
		u, err := url.Parse("http://node.example" + "/" + strings.TrimPrefix(path, "/"))
		if err != nil {
			return
		}
		u.RawQuery = rawQuery
		req := httptest.NewRequest("POST", "http://node.example/", strings.NewReader(form))
		req.URL = u
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		reached := false
		rec := httptest.NewRecorder()
		CheckText(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached = true
			if !GoodText(r.URL.Path) || BadTextIn(r.URL.Query()) != "" || BadTextIn(r.PostForm) != "" {
				t.Fatalf("bad text reached the handler: %q %q %q", r.URL.Path, r.URL.RawQuery, form)
			}
		})).ServeHTTP(rec, req)
		if reached {
			return
		}
		if rec.Code != http.StatusBadRequest && rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("refused with %d", rec.Code)
		}
		var answer struct{ Error string }
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || answer.Error == "" {
			t.Fatalf("refusal is not a JSON error: %q", rec.Body.String())
		}
		if !GoodText(answer.Error) {
			t.Fatalf("the error message repeats the bad text: %q", answer.Error)
		}
	})
}

// Decode, fuzzed over any body: it never panics, and what it accepts holds
// only GoodText strings. Seeds in testdata/fuzz/FuzzDecodeJSON.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"status":"bonjour"}`,
		`{"status":"a\u0000b"}`,
		"{\"status\":\"a\xff\"}",
		`{"status":"\ud800"}`,
		`{"status":"\\u0000"}`,
		`{"tags":["a","b\u0000"]}`,
		`{"status":1}`,
		``,
		`{`,
	} {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte("status=a%00b"), "application/x-www-form-urlencoded")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		req := httptest.NewRequest("POST", "/api/v1/statuses", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		var dst struct {
			Status string   `json:"status"`
			Tags   []string `json:"tags"`
		}
		if err := Decode(httptest.NewRecorder(), req, &dst); err != nil {
			return
		}
		for _, s := range append([]string{dst.Status}, dst.Tags...) {
			if !GoodText(s) {
				t.Fatalf("Decode accepted %q from %q", s, body)
			}
		}
	})
}
