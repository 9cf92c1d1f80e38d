package inbox_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/federation"
	"github.com/archipel-social/archipel/inbox"
	"github.com/archipel-social/archipel/node"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// Hostile deliveries: each is refused by the HTTP inbox with the right status
// and a JSON error, and leaves nothing behind; or, when the inbox must accept
// it (202), processing keeps nothing that was not fetched from its origin.

const publicNS = "https://www.w3.org/ns/activitystreams#Public"

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// followOf is a Mastodon-shaped Follow of object by actor.
func followOf(id, actor, object string) map[string]any {
	return map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       id, "type": "Follow", "actor": actor, "object": object,
	}
}

// tally is what a delivery could have left behind on a node.
type tally struct{ activities, follows, objects, likes int }

func countRows(t testing.TB, n *node.Node) tally {
	t.Helper()
	ctx := context.Background()
	var c tally
	err := n.Pool.QueryRow(ctx, `select
		(select count(*) from activities where not local),
		(select count(*) from follows),
		(select count(*) from objects),
		(select count(*) from likes)`).Scan(&c.activities, &c.follows, &c.objects, &c.likes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func activityRows(t testing.TB, n *node.Node, uri string) int {
	t.Helper()
	var c int
	if err := n.Pool.QueryRow(context.Background(), `select count(*) from activities where uri = $1`, uri).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// errorBody checks that a refusal carries {"error": "…"} and returns it.
func errorBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("refusal %d has Content-Type %q, want application/json; body %q", resp.StatusCode, ct, b)
	}
	var e struct {
		Error *string `json:"error"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Error == nil || *e.Error == "" {
		t.Errorf("refusal %d body is not {\"error\": \"…\"}: %q", resp.StatusCode, b)
		return ""
	}
	return *e.Error
}

// expectRefused checks status, JSON error (containing reason when not "")
// and that nothing was stored.
func expectRefused(t testing.TB, n *node.Node, before tally, resp *http.Response, status int, reason, activityURI string) {
	t.Helper()
	if resp.StatusCode != status {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, b)
	}
	msg := errorBody(t, resp)
	if reason != "" && !strings.Contains(msg, reason) {
		t.Errorf("error %q does not mention %q", msg, reason)
	}
	if activityURI != "" {
		if c := activityRows(t, n, activityURI); c != 0 {
			t.Errorf("refused activity %s stored %d times", activityURI, c)
		}
	}
	if after := countRows(t, n); after != before {
		t.Errorf("a refused delivery changed the node: before %+v, after %+v", before, after)
	}
}

func expectStatus(t testing.TB, resp *http.Response, status int) {
	t.Helper()
	if resp.StatusCode != status {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, b)
	}
}

// processed waits until the worker handled an inbound activity and returns
// the refusal it recorded ("" when it was applied).
func processed(t testing.TB, n *node.Node, uri string) string {
	t.Helper()
	var a *store.Activity
	testnet.Eventually(t, wait, "activity "+uri+" processed", func() bool {
		var err error
		a, err = n.Store.ActivityByURI(context.Background(), uri)
		return err == nil && a.ProcessedAt != nil
	})
	return a.Error
}

func TestHostileInboxRefusals(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	bob := n.CreateUser("bob", store.TierState, "")
	bobInbox := n.URL + "/users/bob/inbox"
	shared := n.URL + "/inbox"
	mallory := testnet.NewRemoteActor(t, "mallory")
	eve := testnet.NewRemoteActor(t, "eve")
	ctx := context.Background()

	followBy := func(r *testnet.RemoteActor) (string, []byte) {
		id := r.NewID("follows")
		return id, mustJSON(t, followOf(id, r.URI, bob.Actor.URI))
	}

	t.Run("no signature", func(t *testing.T) {
		before := countRows(t, n.Node)
		id, body := followBy(mallory)
		resp := mallory.Post(t, bobInbox, body, testnet.Unsigned())
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonMissingSignature, id)
	})

	t.Run("bad signature bytes", func(t *testing.T) {
		before := countRows(t, n.Node)
		id, body := followBy(mallory)
		resp := mallory.Post(t, bobInbox, body, testnet.CorruptSignature())
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonBadSignature, id)
	})

	t.Run("signature not base64", func(t *testing.T) {
		before := countRows(t, n.Node)
		id, body := followBy(mallory)
		resp := mallory.Post(t, bobInbox, body, testnet.EditSignature(func(h string) string {
			i := strings.LastIndex(h, `signature="`)
			return h[:i] + `signature="!!not base64!!"`
		}))
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonMalformedSignature, id)
	})

	t.Run("signed with another key under the actor's key id", func(t *testing.T) {
		before := countRows(t, n.Node)
		id, body := followBy(mallory)
		resp := mallory.Post(t, bobInbox, body, testnet.WithKey(eve.Key))
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonBadSignature, id)
	})

	t.Run("signed by X for an activity of Y", func(t *testing.T) {
		// eve signs, validly, an activity that says mallory did it.
		before := countRows(t, n.Node)
		id, body := followBy(mallory)
		resp := mallory.Post(t, bobInbox, body, testnet.SignedBy(eve))
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, "does not belong", id)
	})

	t.Run("signed by a peer for a local actor", func(t *testing.T) {
		before := countRows(t, n.Node)
		alice := n.CreateUser("alice", store.TierState, "")
		before.follows = countRows(t, n.Node).follows
		id := n.URL + "/activities/forged-" + store.NewID()
		body := mustJSON(t, followOf(id, alice.Actor.URI, bob.Actor.URI))
		resp := mallory.Post(t, shared, body)
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, "does not belong", id)
	})

	t.Run("wrong digest", func(t *testing.T) {
		before := countRows(t, n.Node)
		id, body := followBy(mallory)
		sum := sha256.Sum256([]byte("another body"))
		resp := mallory.Post(t, bobInbox, body, testnet.WithDigest("SHA-256="+base64.StdEncoding.EncodeToString(sum[:])))
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonDigestMismatch, id)
	})

	t.Run("body changed after signing", func(t *testing.T) {
		before := countRows(t, n.Node)
		id, body := followBy(mallory)
		_, signed := followBy(mallory)
		resp := mallory.Post(t, bobInbox, body, testnet.SignedOver(signed))
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonDigestMismatch, id)
	})

	t.Run("digest without SHA-256", func(t *testing.T) {
		before := countRows(t, n.Node)
		id, body := followBy(mallory)
		resp := mallory.Post(t, bobInbox, body, testnet.WithDigest("MD5=AAAAAAAAAAAAAAAAAAAAAA=="))
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonDigestMismatch, id)
	})

	t.Run("date 13 hours old", func(t *testing.T) {
		before := countRows(t, n.Node)
		id, body := followBy(mallory)
		resp := mallory.Post(t, bobInbox, body, testnet.WithDate(time.Now().Add(-13*time.Hour)))
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonStaleDate, id)
	})

	t.Run("date 13 hours ahead", func(t *testing.T) {
		before := countRows(t, n.Node)
		id, body := followBy(mallory)
		resp := mallory.Post(t, bobInbox, body, testnet.WithDate(time.Now().Add(13*time.Hour)))
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, federation.ReasonStaleDate, id)
	})

	t.Run("body over 1 MiB", func(t *testing.T) {
		before := countRows(t, n.Node)
		id := mallory.NewID("follows")
		f := followOf(id, mallory.URI, bob.Actor.URI)
		f["padding"] = strings.Repeat("a", 1<<20)
		resp := mallory.Post(t, bobInbox, mustJSON(t, f))
		expectRefused(t, n.Node, before, resp, http.StatusRequestEntityTooLarge, "", id)
	})

	t.Run("body of exactly 1 MiB is accepted", func(t *testing.T) {
		id := mallory.NewID("likes")
		like := map[string]any{"id": id, "type": "Like", "actor": mallory.URI, "object": n.URL + "/users/bob/statuses/1", "padding": ""}
		like["padding"] = strings.Repeat("a", inbox.MaxBodyBytes-len(mustJSON(t, like)))
		body := mustJSON(t, like)
		if len(body) != inbox.MaxBodyBytes {
			t.Fatalf("body of %d bytes", len(body))
		}
		expectStatus(t, mallory.Post(t, bobInbox, body), http.StatusAccepted)
		if c := activityRows(t, n.Node, id); c != 1 {
			t.Errorf("%d rows for the activity, want 1", c)
		}
	})

	t.Run("malformed JSON", func(t *testing.T) {
		before := countRows(t, n.Node)
		for _, body := range []string{`{"id": "x", "type": "Follow"`, `not json`, ``, `[]`, `"Follow"`, `{"id": 12, "type": "Follow", "actor": "` + mallory.URI + `"}`} {
			resp := mallory.Post(t, bobInbox, []byte(body))
			expectRefused(t, n.Node, before, resp, http.StatusBadRequest, "", "")
		}
	})

	t.Run("activity without id, type or actor", func(t *testing.T) {
		before := countRows(t, n.Node)
		for name, mutate := range map[string]func(map[string]any){
			"no id":           func(m map[string]any) { delete(m, "id") },
			"no actor":        func(m map[string]any) { delete(m, "actor") },
			"no type":         func(m map[string]any) { delete(m, "type") },
			"null actor":      func(m map[string]any) { m["actor"] = nil },
			"actor not a URL": func(m map[string]any) { m["actor"] = "mallory" },
			"actor not http":  func(m map[string]any) { m["actor"] = "ftp://" + mallory.Host + "/users/mallory" },
		} {
			id, _ := followBy(mallory)
			f := followOf(id, mallory.URI, bob.Actor.URI)
			mutate(f)
			resp := mallory.Post(t, bobInbox, mustJSON(t, f))
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", name, resp.StatusCode)
				continue
			}
			expectRefused(t, n.Node, before, resp, http.StatusBadRequest, "", id)
		}
	})

	t.Run("activity id on a third host", func(t *testing.T) {
		before := countRows(t, n.Node)
		for _, id := range []string{
			eve.NewID("follows"),
			"https://third.example/activities/1",
			"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
		} {
			resp := mallory.Post(t, bobInbox, mustJSON(t, followOf(id, mallory.URI, bob.Actor.URI)))
			expectRefused(t, n.Node, before, resp, http.StatusBadRequest, "", id)
		}
	})

	t.Run("blocked domain", func(t *testing.T) {
		blocked := testnet.NewRemoteActor(t, "spammer")
		if err := n.Store.SetDomainPolicy(ctx, blocked.Host, store.PolicyBlock); err != nil {
			t.Fatal(err)
		}
		before := countRows(t, n.Node)
		id, body := followBy(blocked)
		resp := blocked.Post(t, bobInbox, body)
		expectRefused(t, n.Node, before, resp, http.StatusForbidden, "", id)
		// Signed or not, from either inbox: the host is never contacted.
		id, body = followBy(blocked)
		resp = blocked.Post(t, shared, body, testnet.Unsigned())
		expectRefused(t, n.Node, before, resp, http.StatusForbidden, "", id)
		if reqs := blocked.Requests(); len(reqs) != 0 {
			t.Errorf("the node fetched from a blocked host: %s %s", reqs[0].Method, reqs[0].Path)
		}
	})

	// None of the above left any work for the worker: a valid delivery sent
	// now is processed, and nothing of the refused ones appears with it.
	t.Run("nothing queued behind the refusals", func(t *testing.T) {
		before := countRows(t, n.Node)
		id := mallory.NewID("likes")
		like := map[string]any{"id": id, "type": "Like", "actor": mallory.URI, "object": n.URL + "/users/bob/statuses/1"}
		expectStatus(t, mallory.Post(t, shared, mustJSON(t, like)), http.StatusAccepted)
		if reason := processed(t, n.Node, id); reason == "" {
			t.Errorf("like of an unknown post was applied")
		}
		after := countRows(t, n.Node)
		if after.activities != before.activities+1 || after.follows != 0 || after.objects != 0 || after.likes != 0 {
			t.Errorf("before %+v, after %+v: want one more activity and no follow, object or like", before, after)
		}
	})
}

// A Create from mallory embedding a Note whose id is on carol's host, or
// attributed to carol: the inbox refuses it at once (403, nothing stored,
// nothing queued, carol never asked), since the body alone shows the claim
// is forged. The worker's own check (trustedObject) stays behind it.
func TestHostileEmbeddedObjectOfThirdParty(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	bob := n.CreateUser("bob", store.TierState, "")
	mallory := testnet.NewRemoteActor(t, "mallory")
	carol := testnet.NewRemoteActor(t, "carol")
	const fake = "FAKE-CONTENT-planted-by-mallory"
	const real = "Ordre du jour de la réunion, publié par Carol"

	notePath := "/users/carol/statuses/1"
	carol.Serve(notePath, mustJSON(t, map[string]any{
		"id": carol.URL(notePath), "type": "Note", "attributedTo": carol.URI,
		"content": "<p>" + real + "</p>", "to": []string{publicNS, bob.Actor.URI},
		"published": time.Now().UTC().Format(time.RFC3339),
	}))
	create := func(noteID, attributedTo string) (string, []byte) {
		id := mallory.NewID("activities")
		return id, mustJSON(t, map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams",
			"id":       id, "type": "Create", "actor": mallory.URI,
			"to": []string{publicNS, bob.Actor.URI},
			"object": map[string]any{
				"id": noteID, "type": "Note", "attributedTo": attributedTo,
				"content": "<p>" + fake + "</p>", "to": []string{publicNS, bob.Actor.URI},
				"published": time.Now().UTC().Format(time.RFC3339),
			},
		})
	}
	noFake := func(t *testing.T) {
		t.Helper()
		var c int
		if err := n.Pool.QueryRow(context.Background(),
			`select count(*) from objects where content like '%'||$1||'%' or raw::text like '%'||$1||'%'`, fake).Scan(&c); err != nil {
			t.Fatal(err)
		}
		if c != 0 {
			t.Errorf("the embedded third-party content was stored (%d objects)", c)
		}
		if _, err := n.Store.ObjectByURI(context.Background(), carol.URL(notePath)); err == nil {
			t.Errorf("carol's note was stored from mallory's Create")
		}
	}

	for name, c := range map[string][2]string{
		"id on carol's host, attributed to mallory": {carol.URL(notePath), mallory.URI},
		"id on carol's host, attributed to carol":   {carol.URL(notePath), carol.URI},
		"id on mallory's host, attributed to carol": {mallory.URL("/users/mallory/statuses/9"), carol.URI},
	} {
		t.Run(name, func(t *testing.T) {
			before := countRows(t, n.Node)
			id, body := create(c[0], c[1])
			expectRefused(t, n.Node, before, mallory.Post(t, n.URL+"/inbox", body), http.StatusForbidden, "", id)
			if gets := carol.RequestsTo("GET", notePath); len(gets) != 0 {
				t.Errorf("carol's host was asked for the note %d times", len(gets))
			}
			noFake(t)
		})
	}

	// "object" (read by go-ap) is mallory's own note; "Object" (read by
	// encoding/json, which is case-insensitive) is the planted copy.
	t.Run("planted under a case-variant key", func(t *testing.T) {
		id := mallory.NewID("activities")
		own := map[string]any{"id": mallory.URL("/users/mallory/statuses/2"), "type": "Note", "attributedTo": mallory.URI,
			"content": "<p>harmless</p>", "to": []string{publicNS, bob.Actor.URI}}
		planted := map[string]any{"id": carol.URL(notePath), "type": "Note", "attributedTo": carol.URI,
			"content": "<p>" + fake + "</p>", "to": []string{publicNS, bob.Actor.URI}}
		body := []byte(`{"id":"` + id + `","type":"Create","actor":"` + mallory.URI + `","object":` +
			string(mustJSON(t, own)) + `,"Object":` + string(mustJSON(t, planted)) + `}`)
		resp := mallory.Post(t, n.URL+"/inbox", body)
		if resp.StatusCode == http.StatusAccepted {
			processed(t, n.Node, id)
		}
		noFake(t)
	})

	// Control: the same Create for a note on mallory's own host is kept, so
	// the refusals above are not an accident of the setup.
	t.Run("control: own note is kept", func(t *testing.T) {
		id := mallory.NewID("activities")
		noteID := mallory.URL("/users/mallory/statuses/1")
		body := mustJSON(t, map[string]any{
			"id": id, "type": "Create", "actor": mallory.URI, "to": []string{publicNS, bob.Actor.URI},
			"object": map[string]any{"id": noteID, "type": "Note", "attributedTo": mallory.URI,
				"content": "<p>own words of mallory</p>", "to": []string{publicNS, bob.Actor.URI}},
		})
		expectStatus(t, mallory.Post(t, n.URL+"/inbox", body), http.StatusAccepted)
		if reason := processed(t, n.Node, id); reason != "" {
			t.Fatalf("own note refused: %s", reason)
		}
		obj, err := n.Store.ObjectByURI(context.Background(), noteID)
		if err != nil || !strings.Contains(obj.Content, "own words of mallory") {
			t.Errorf("own note: %+v %v", obj, err)
		}
		noFake(t)
	})
}

// Somebody else's follow, post or like cannot be undone, deleted or changed.
func TestHostileActsOnOthersThings(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	bob := n.CreateUser("bob", store.TierState, "")
	fan := testnet.NewRemoteActor(t, "fan")
	eve := testnet.NewRemoteActor(t, "eve")
	ctx := context.Background()
	shared := n.URL + "/inbox"

	followID := fan.NewID("follows")
	followBody := mustJSON(t, followOf(followID, fan.URI, bob.Actor.URI))
	expectStatus(t, fan.Post(t, shared, followBody), http.StatusAccepted)
	if reason := processed(t, n.Node, followID); reason != "" {
		t.Fatalf("follow refused: %s", reason)
	}
	noteID := fan.URL("/users/fan/statuses/1")
	createID := fan.NewID("activities")
	expectStatus(t, fan.Post(t, shared, mustJSON(t, map[string]any{
		"id": createID, "type": "Create", "actor": fan.URI, "to": []string{publicNS, bob.Actor.URI},
		"object": map[string]any{"id": noteID, "type": "Note", "attributedTo": fan.URI,
			"content": "<p>original</p>", "to": []string{publicNS, bob.Actor.URI}},
	})), http.StatusAccepted)
	if reason := processed(t, n.Node, createID); reason != "" {
		t.Fatalf("create refused: %s", reason)
	}
	fanFollows := func() int {
		var c int
		if err := n.Pool.QueryRow(ctx, `select count(*) from follows f join actors a on a.id = f.follower_id where a.uri = $1`, fan.URI).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if fanFollows() != 1 {
		t.Fatal("fan does not follow bob")
	}

	// Refused by the inbox at once when the body shows it (403), by the
	// worker otherwise.
	send := func(t *testing.T, body map[string]any) {
		t.Helper()
		resp := eve.Post(t, shared, mustJSON(t, body))
		if resp.StatusCode == http.StatusForbidden {
			errorBody(t, resp)
			if activityRows(t, n.Node, body["id"].(string)) != 0 {
				t.Errorf("refused %s stored", body["type"])
			}
			return
		}
		expectStatus(t, resp, http.StatusAccepted)
		if reason := processed(t, n.Node, body["id"].(string)); reason == "" {
			t.Errorf("%s by eve was applied", body["type"])
		}
	}
	t.Run("undo of another's follow, by id", func(t *testing.T) {
		send(t, map[string]any{"id": eve.NewID("undos"), "type": "Undo", "actor": eve.URI, "object": followID})
		if fanFollows() != 1 {
			t.Error("eve undid fan's follow")
		}
	})
	t.Run("undo of another's follow, embedded", func(t *testing.T) {
		send(t, map[string]any{"id": eve.NewID("undos"), "type": "Undo", "actor": eve.URI,
			"object": followOf(followID, fan.URI, bob.Actor.URI)})
		if fanFollows() != 1 {
			t.Error("eve undid fan's follow")
		}
	})
	t.Run("delete of another's note", func(t *testing.T) {
		send(t, map[string]any{"id": eve.NewID("deletes"), "type": "Delete", "actor": eve.URI,
			"object": map[string]any{"id": noteID, "type": "Tombstone"}})
		obj, err := n.Store.ObjectByURI(ctx, noteID)
		if err != nil || obj.DeletedAt != nil || !strings.Contains(obj.Content, "original") {
			t.Errorf("note after eve's Delete: %+v %v", obj, err)
		}
	})
	t.Run("update of another's note", func(t *testing.T) {
		send(t, map[string]any{"id": eve.NewID("updates"), "type": "Update", "actor": eve.URI,
			"object": map[string]any{"id": noteID, "type": "Note", "attributedTo": fan.URI, "content": "<p>defaced</p>"}})
		obj, err := n.Store.ObjectByURI(ctx, noteID)
		if err != nil || !strings.Contains(obj.Content, "original") {
			t.Errorf("note after eve's Update: %+v %v", obj, err)
		}
	})
	t.Run("delete of another actor", func(t *testing.T) {
		// Delete{actor} of fan, signed by eve: eve is not fan.
		resp := eve.Post(t, shared, mustJSON(t, map[string]any{"id": fan.NewID("deletes"), "type": "Delete",
			"actor": fan.URI, "object": fan.URI}))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", resp.StatusCode)
		}
		errorBody(t, resp)
		if fanFollows() != 1 {
			t.Error("fan forgotten after eve's Delete")
		}
	})
}

// The same Follow delivered twice is stored and applied once, and answered
// with one Accept, signed by the followed actor, embedding the Follow.
func TestHostileDuplicateFollowAndAccept(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	bob := n.CreateUser("bob", store.TierState, "")
	fan := testnet.NewRemoteActor(t, "fan")
	ctx := context.Background()

	id := fan.NewID("follows")
	body := mustJSON(t, followOf(id, fan.URI, bob.Actor.URI))
	expectStatus(t, fan.Post(t, n.URL+"/users/bob/inbox", body), http.StatusAccepted)
	expectStatus(t, fan.Post(t, n.URL+"/inbox", body), http.StatusAccepted)

	var accept *testnet.ReceivedRequest
	testnet.Eventually(t, wait, "an Accept at fan's inbox", func() bool {
		for _, q := range fan.Posts() {
			var a struct{ Type string }
			if json.Unmarshal(q.Body, &a) == nil && a.Type == "Accept" {
				accept = q
				return true
			}
		}
		return false
	})
	// Delivered again after processing: still 202, still nothing new.
	expectStatus(t, fan.Post(t, n.URL+"/inbox", body), http.StatusAccepted)

	if c := activityRows(t, n.Node, id); c != 1 {
		t.Errorf("%d activity rows for the Follow, want 1", c)
	}
	var follows, accepts, deliveries int
	if err := n.Pool.QueryRow(ctx, `select
		(select count(*) from follows f join actors a on a.id = f.follower_id where a.uri = $1 and f.state = 'accepted'),
		(select count(*) from activities where local and type = 'Accept' and object_uri = $2),
		(select count(*) from deliveries d join activities a on a.id = d.activity_id where a.type = 'Accept' and a.object_uri = $2)`,
		fan.URI, id).Scan(&follows, &accepts, &deliveries); err != nil {
		t.Fatal(err)
	}
	if follows != 1 || accepts != 1 || deliveries != 1 {
		t.Errorf("accepted follows %d, Accept activities %d, deliveries %d; want 1 each", follows, accepts, deliveries)
	}
	if s := countRows(t, n.Node); s.activities != 1 || s.follows != 1 {
		t.Errorf("node holds %+v, want one inbound activity and one follow", s)
	}

	// The Accept: at fan's shared inbox, signed by bob's key, embedding the Follow.
	if accept.Path != "/inbox" && accept.Path != "/users/fan/inbox" {
		t.Errorf("Accept posted to %s", accept.Path)
	}
	if !accept.Signed() {
		t.Fatal("Accept not signed")
	}
	v, err := federation.VerifyRequest(ctx, accept.Request(), accept.Body, n.Federator, time.Now())
	if err != nil {
		t.Fatalf("Accept signature: %v", err)
	}
	if v.Owner != bob.Actor.URI {
		t.Errorf("Accept signed by %s, want %s", v.Owner, bob.Actor.URI)
	}
	var a struct {
		Type, Actor string
		Object      json.RawMessage
	}
	if err := json.Unmarshal(accept.Body, &a); err != nil {
		t.Fatal(err)
	}
	var f struct{ ID, Type, Actor, Object string }
	if err := json.Unmarshal(a.Object, &f); err != nil {
		t.Fatalf("Accept does not embed the Follow: %s", a.Object)
	}
	if a.Actor != bob.Actor.URI || f.ID != id || f.Type != "Follow" || f.Actor != fan.URI || f.Object != bob.Actor.URI {
		t.Errorf("Accept %s", accept.Body)
	}
}

func TestHostileAllowlistMode(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{FederationMode: config.ModeAllowlist})
	bob := n.CreateUser("bob", store.TierState, "")
	stranger := testnet.NewRemoteActor(t, "stranger")
	friend := testnet.NewRemoteActor(t, "friend")
	if err := n.Store.SetDomainPolicy(context.Background(), friend.Host, store.PolicyAllow); err != nil {
		t.Fatal(err)
	}

	t.Run("unlisted host", func(t *testing.T) {
		before := countRows(t, n.Node)
		id := stranger.NewID("follows")
		resp := stranger.Post(t, n.URL+"/inbox", mustJSON(t, followOf(id, stranger.URI, bob.Actor.URI)))
		expectRefused(t, n.Node, before, resp, http.StatusForbidden, "", id)
		if reqs := stranger.Requests(); len(reqs) != 0 {
			t.Errorf("the node fetched from an unlisted host: %s %s", reqs[0].Method, reqs[0].Path)
		}
	})
	t.Run("allowed host", func(t *testing.T) {
		id := friend.NewID("follows")
		expectStatus(t, friend.Post(t, n.URL+"/inbox", mustJSON(t, followOf(id, friend.URI, bob.Actor.URI))), http.StatusAccepted)
		if reason := processed(t, n.Node, id); reason != "" {
			t.Errorf("follow from an allowed host refused: %s", reason)
		}
		if c := countRows(t, n.Node); c.follows != 1 {
			t.Errorf("follows: %d, want 1", c.follows)
		}
	})
	t.Run("allowed actor, key on an unlisted host", func(t *testing.T) {
		before := countRows(t, n.Node)
		id := friend.NewID("follows")
		resp := friend.Post(t, n.URL+"/inbox", mustJSON(t, followOf(id, friend.URI, bob.Actor.URI)), testnet.SignedBy(stranger))
		expectRefused(t, n.Node, before, resp, http.StatusUnauthorized, "", id)
		if reqs := stranger.Requests(); len(reqs) != 0 {
			t.Errorf("the node fetched from an unlisted host: %s %s", reqs[0].Method, reqs[0].Path)
		}
	})
}

// A node that may not reach private addresses cannot fetch the key of an
// actor on 127.0.0.1: the signature cannot be checked and nothing is kept.
func TestHostilePrivateAddressActor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := config.Config{
		QueuePrefix: "t" + store.NewID(), Listen: ln.Addr().String(), PublicURL: base,
		DatabaseURL: testnet.NewDatabase(t), RedisURL: testnet.RedisURL(), DataDir: t.TempDir(),
		FederationMode: config.ModeOpen, AllowPrivateAddresses: "",
	}
	ctx := context.Background()
	octx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	nd, err := node.Open(octx, cfg, node.Options{Delivery: testnet.FastDelivery, ReconcileEvery: time.Second, Concurrency: 2},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	srv := &http.Server{Handler: nd.Web, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		nd.Close()
	})
	_, bob, err := nd.Accounts.Register(ctx, accounts.Registration{Username: "bob", Email: "bob@example.gouv.fr",
		Password: "password-bob", Tier: store.TierState})
	if err != nil {
		t.Fatal(err)
	}

	mallory := testnet.NewRemoteActor(t, "mallory")
	for _, target := range []string{base + "/inbox", base + "/users/bob/inbox"} {
		before := countRows(t, nd)
		id := mallory.NewID("follows")
		resp := mallory.Post(t, target, mustJSON(t, followOf(id, mallory.URI, bob.URI)))
		expectRefused(t, nd, before, resp, http.StatusUnauthorized, federation.ReasonUnknownKey, id)
	}
	if reqs := mallory.Requests(); len(reqs) != 0 {
		t.Errorf("the node connected to a private address: %s %s", reqs[0].Method, reqs[0].Path)
	}
	if _, err := nd.Store.ActorByURI(ctx, mallory.URI); err == nil {
		t.Errorf("the actor on a private address was cached")
	}
}

// A blocked peer must stay blocked under another spelling of its host: the
// same server reached through the same address and port.
func TestHostileBlockedDomainOtherSpelling(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	bob := n.CreateUser("bob", store.TierState, "")
	// The port with a leading zero: another string, the same socket (as
	// "host:443" for https://host/, or "host." with a trailing dot).
	blocked := testnet.NewRemoteActorWith(t, "spammer", testnet.RemoteOptions{Authority: "127.0.0.1:0{port}"})
	canonical := blocked.Server.Listener.Addr().String()
	if err := n.Store.SetDomainPolicy(context.Background(), canonical, store.PolicyBlock); err != nil {
		t.Fatal(err)
	}
	before := countRows(t, n.Node)
	id := blocked.NewID("follows")
	resp := blocked.Post(t, n.URL+"/inbox", mustJSON(t, followOf(id, blocked.URI, bob.Actor.URI)))
	expectRefused(t, n.Node, before, resp, http.StatusForbidden, "", id)
	if reqs := blocked.Requests(); len(reqs) != 0 {
		t.Errorf("the node fetched from a blocked host: %s %s", reqs[0].Method, reqs[0].Path)
	}
}

// Valid JSON that PostgreSQL's jsonb refuses (\u0000, a lone surrogate) is
// the sender's fault, answered for good with a 4xx, or stored cleaned with
// 202: a 5xx would have the peer retry it for days (DESIGN §2.3).
func TestHostileJSONThatJSONBRefuses(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	n.CreateUser("bob", store.TierState, "")
	mallory := testnet.NewRemoteActor(t, "mallory")
	for name, content := range map[string]string{"NUL": `\u0000`, "lone surrogate": `\ud800`} {
		t.Run(name, func(t *testing.T) {
			id := mallory.NewID("likes")
			body := []byte(`{"id":"` + id + `","type":"Like","actor":"` + mallory.URI + `","object":"` +
				n.URL + `/users/bob/statuses/1","content":"a` + content + `b"}`)
			if !json.Valid(body) {
				t.Fatalf("not JSON: %s", body)
			}
			resp := mallory.Post(t, n.URL+"/inbox", body)
			switch {
			case resp.StatusCode == http.StatusAccepted:
			case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 408 && resp.StatusCode != 429:
				errorBody(t, resp)
			default:
				t.Errorf("status %d: the sender would retry a delivery that can never succeed", resp.StatusCode)
			}
		})
	}
}

// encoding/json matches keys case-insensitively, go-ap does not, and jsonb
// keeps both "actor" and "Actor": the actor the inbox verified must be the
// actor the worker reads, or the activity must be refused.
func TestHostileCaseVariantKeys(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	bob := n.CreateUser("bob", store.TierState, "")
	mallory := testnet.NewRemoteActor(t, "mallory")
	eve := testnet.NewRemoteActor(t, "eve")
	id := mallory.NewID("follows")
	// Signed by mallory; "Actor" (what the inbox reads) is mallory, "actor"
	// (what go-ap reads) is eve.
	body := []byte(`{"id":"` + id + `","type":"Follow","actor":"` + eve.URI + `","object":"` + bob.Actor.URI +
		`","Actor":"` + mallory.URI + `"}`)
	resp := mallory.Post(t, n.URL+"/inbox", body)
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		errorBody(t, resp)
		if c := activityRows(t, n.Node, id); c != 0 {
			t.Errorf("refused activity stored")
		}
		return
	}
	expectStatus(t, resp, http.StatusAccepted)
	row, err := n.Store.ActivityByURI(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	act, err := inbox.ParseActivity(row.Raw)
	if err != nil {
		t.Fatalf("stored activity unreadable: %v", err)
	}
	if got := string(act.Actor.GetLink()); got != row.ActorURI {
		t.Errorf("the inbox verified %s as the actor, the worker reads %s", row.ActorURI, got)
	}
}

// An inbox POST must say it carries an activity: ActivityPub's two media
// types (ld+json with or without its profile) and plain JSON are taken;
// anything else is 415 and stores nothing.
func TestHostileInboxContentType(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	bob := n.CreateUser("bob", store.TierState, "")
	mallory := testnet.NewRemoteActor(t, "mallory")
	for _, ct := range []string{"text/plain", "text/html; charset=utf-8", "application/x-www-form-urlencoded",
		"multipart/form-data; boundary=x", "application/xml", "", "application/activity+json;;;"} {
		t.Run("refused "+ct, func(t *testing.T) {
			before := countRows(t, n.Node)
			id := mallory.NewID("follows")
			resp := mallory.Post(t, n.URL+"/inbox", mustJSON(t, followOf(id, mallory.URI, bob.Actor.URI)), testnet.WithHeader("Content-Type", ct))
			expectRefused(t, n.Node, before, resp, http.StatusUnsupportedMediaType, "", id)
		})
	}
	for _, ct := range []string{"application/activity+json", "application/activity+json; charset=utf-8",
		"application/ld+json", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`,
		"application/json", "Application/JSON; charset=UTF-8"} {
		t.Run("accepted "+ct, func(t *testing.T) {
			id := mallory.NewID("follows")
			expectStatus(t, mallory.Post(t, n.URL+"/inbox", mustJSON(t, followOf(id, mallory.URI, bob.Actor.URI)), testnet.WithHeader("Content-Type", ct)), http.StatusAccepted)
			if activityRows(t, n.Node, id) != 1 {
				t.Errorf("accepted activity not stored")
			}
		})
	}
}

// Claims the body alone shows to be forged are refused by the HTTP inbox,
// before the 202: nothing is stored or queued and the sender is told.
func TestHostileForgedAttribution(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	bob := n.CreateUser("bob", store.TierState, "")
	mallory := testnet.NewRemoteActor(t, "mallory")
	carol := testnet.NewRemoteActor(t, "carol")
	carolNote := carol.URL("/users/carol/statuses/1")
	note := func(id, by string) map[string]any {
		return map[string]any{"id": id, "type": "Note", "attributedTo": by, "content": "<p>x</p>", "to": []string{publicNS}}
	}
	activity := func(typ string, object any) (string, []byte) {
		id := mallory.NewID("activities")
		return id, mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": typ,
			"actor": mallory.URI, "to": []string{publicNS}, "object": object})
	}
	carolDoc := map[string]any{"id": carol.URI, "type": "Person", "preferredUsername": "carol", "inbox": carol.Inbox,
		"publicKey": map[string]any{"id": mallory.KeyID, "owner": carol.URI, "publicKeyPem": mallory.PublicKeyPEM}}
	for name, object := range map[string]any{
		"Create of a note attributed to another":      note(mallory.URL("/users/mallory/statuses/5"), carol.URI),
		"Create of a note on another host":            note(carolNote, mallory.URI),
		"Create of a note on another host, by IRI":    carolNote,
		"Create with a list attributedTo without me":  map[string]any{"id": mallory.URL("/n/6"), "type": "Note", "attributedTo": []string{carol.URI}},
		"Update of another actor":                     carolDoc,
		"Update of another actor of my host":          map[string]any{"id": mallory.URL("/users/other"), "type": "Person", "inbox": mallory.URL("/users/other/inbox")},
		"Update of a note on another host":            note(carolNote, carol.URI),
		"Delete of an object on another host":         map[string]any{"id": carolNote, "type": "Tombstone"},
		"Delete of an object on another host, by IRI": carolNote,
		"Delete of another actor":                     carol.URI,
		"Delete of a local post":                      bob.Actor.URI + "/statuses/1",
	} {
		typ := strings.Fields(name)[0]
		t.Run(name, func(t *testing.T) {
			before := countRows(t, n.Node)
			id, body := activity(typ, object)
			expectRefused(t, n.Node, before, mallory.Post(t, n.URL+"/inbox", body), http.StatusForbidden, "", id)
		})
	}
	// What is allowed goes through: one's own things, and an Announce of
	// anybody's post (a group redistributes its members' posts).
	for name, c := range map[string]struct {
		typ    string
		object any
	}{
		"Create of one's own note":            {"Create", note(mallory.URL("/users/mallory/statuses/7"), mallory.URI)},
		"Create with me in a list":            {"Create", map[string]any{"id": mallory.URL("/v/1"), "type": "Video", "attributedTo": []string{mallory.URI, carol.URI}}},
		"Update of one's own profile":         {"Update", map[string]any{"id": mallory.URI, "type": "Person", "inbox": mallory.Inbox}},
		"Update of one's own note":            {"Update", note(mallory.URL("/users/mallory/statuses/7"), mallory.URI)},
		"Delete of oneself":                   {"Delete", mallory.URI},
		"Delete of one's own note":            {"Delete", map[string]any{"id": mallory.URL("/users/mallory/statuses/7"), "type": "Tombstone"}},
		"Announce of another's note":          {"Announce", carolNote},
		"Announce of another's embedded note": {"Announce", note(carolNote, carol.URI)},
	} {
		t.Run("allowed: "+name, func(t *testing.T) {
			id, body := activity(c.typ, c.object)
			expectStatus(t, mallory.Post(t, n.URL+"/inbox", body), http.StatusAccepted)
			if activityRows(t, n.Node, id) != 1 {
				t.Errorf("accepted activity not stored")
			}
		})
	}
}

// Issue 12: an account whose address is not confirmed cannot be found, so a
// peer that guesses its actor's URI and sends a Follow is refused, as for an
// actor that does not exist: no follow row, no Accept, no notification.
func TestHostileFollowOfUnconfirmedAccount(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	acct, err := n.Accounts.SignUp(ctx, accounts.SignUp{Username: "intrus", Email: "intrus@interieur.gouv.fr",
		Password: "un mot de passe", Lang: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	intrus, err := n.Store.ActorByID(ctx, acct.ActorID)
	if err != nil {
		t.Fatal(err)
	}
	fan := testnet.NewRemoteActor(t, "fan")
	id := fan.NewID("follows")
	expectStatus(t, fan.Post(t, n.URL+"/inbox", mustJSON(t, followOf(id, fan.URI, intrus.URI))), http.StatusAccepted)
	if refusal := processed(t, n.Node, id); refusal == "" {
		t.Error("the follow of an unconfirmed account was applied")
	}
	if c := countRows(t, n.Node); c.follows != 0 {
		t.Errorf("%d follow rows", c.follows)
	}
	for _, q := range fan.Posts() {
		var a struct{ Type string }
		if json.Unmarshal(q.Body, &a) == nil && a.Type == "Accept" {
			t.Error("the unconfirmed account accepted the follow")
		}
	}
}
