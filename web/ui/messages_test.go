package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

var conversationLink = regexp.MustCompile(`href="/messages/(\d+)"`)

// Direct messages from the web: alice writes to bob, bob finds the
// conversation unread in /messages, opens it (which marks it read),
// answers; carol, not in it, gets 404; bad forms come back with 422 and
// post nothing.
func TestMessagesHTTP(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	n.CreateUser("alice", store.TierState, "")
	n.CreateUser("bob", store.TierState, "")
	n.CreateUser("carol", store.TierState, "")
	alice, aliceCSRF := signIn(t, n, "alice")
	bob, bobCSRF := signIn(t, n, "bob")
	carol, _ := signIn(t, n, "carol")

	for name, form := range map[string]url.Values{
		"no recipient":      {"to": {""}, "text": {"hello"}},
		"unknown recipient": {"to": {"@nobody"}, "text": {"hello"}},
		"bad recipient":     {"to": {"@bob/../x"}, "text": {"hello"}},
		"empty text":        {"to": {"@bob"}, "text": {"  "}},
		"NUL":               {"to": {"@bob"}, "text": {"he\x00llo"}},
	} {
		form.Set("csrf", aliceCSRF)
		res, body := postForm(t, alice, n.URL+"/messages", form)
		// NUL is refused before the handler, by the node's text check
		// (respond.CheckTextWith), on its own error page.
		if res.StatusCode != http.StatusUnprocessableEntity || name != "NUL" && !strings.Contains(body, "has-error") {
			t.Errorf("%s: %d, want 422 with the form and a message", name, res.StatusCode)
		}
	}
	if _, body := get(t, bob, n.URL+"/messages"); conversationLink.MatchString(body) {
		t.Fatal("a refused message made a conversation")
	}

	res, body := postForm(t, alice, n.URL+"/messages", url.Values{"csrf": {aliceCSRF}, "to": {"@bob"}, "text": {"Bonjour Bob, un mot en privé."}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "un mot en privé") {
		t.Fatalf("send: %d %s", res.StatusCode, body)
	}

	res, body = get(t, bob, n.URL+"/messages")
	m := conversationLink.FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil || !strings.Contains(body, "un mot en privé") || !strings.Contains(body, `class="unread"`) || !strings.Contains(body, "@alice") {
		t.Fatalf("bob's messages: %d %s", res.StatusCode, body)
	}
	thread := n.URL + "/messages/" + m[1]
	if res, body = get(t, bob, thread); res.StatusCode != http.StatusOK || !strings.Contains(body, "un mot en privé") {
		t.Fatalf("bob's thread: %d", res.StatusCode)
	}
	if _, body = get(t, bob, n.URL+"/messages"); strings.Contains(body, `class="unread"`) {
		t.Error("the conversation is still unread after bob opened it")
	}

	if res, _ = postForm(t, bob, thread, url.Values{"csrf": {bobCSRF}, "text": {""}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("empty reply: %d, want 422", res.StatusCode)
	}
	res, body = postForm(t, bob, thread, url.Values{"csrf": {bobCSRF}, "text": {"Merci Alice, bien reçu."}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("reply: %d", res.StatusCode)
	}
	first, second := strings.Index(body, "un mot en privé"), strings.Index(body, "bien reçu")
	if first < 0 || second < first {
		t.Errorf("thread not oldest first with both messages (%d, %d)", first, second)
	}
	if _, body = get(t, alice, n.URL+"/messages"); !strings.Contains(body, "bien reçu") || !strings.Contains(body, `class="unread"`) {
		t.Error("alice does not see bob's reply as the unread latest message")
	}

	if res, body = get(t, carol, thread); res.StatusCode != http.StatusNotFound || strings.Contains(body, "un mot en privé") {
		t.Errorf("carol on the thread: %d, want 404", res.StatusCode)
	}
	if res, _ = get(t, carol, n.URL+"/messages/notanumber"); res.StatusCode != http.StatusNotFound {
		t.Errorf("bad id: %d, want 404", res.StatusCode)
	}
	if _, body = get(t, carol, n.URL+"/messages"); strings.Contains(body, "un mot en privé") {
		t.Error("carol's list shows alice and bob's conversation")
	}
}
