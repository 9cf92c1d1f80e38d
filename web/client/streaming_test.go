package client_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// streamed is one event as a client decodes it: payload is a JSON string.
type streamed struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
	Error   string   `json:"error"`
	Status  int      `json:"status"`
}

func (e streamed) status(t *testing.T) fullStatus {
	t.Helper()
	var st fullStatus
	if err := json.Unmarshal([]byte(e.Payload), &st); err != nil {
		t.Fatalf("%s payload: %v\n%s", e.Event, err, e.Payload)
	}
	return st
}

type streamedNotification struct {
	Type   string
	Status struct{ ID, Content string }
}

func (e streamed) notification(t *testing.T) streamedNotification {
	t.Helper()
	var n streamedNotification
	if err := json.Unmarshal([]byte(e.Payload), &n); err != nil {
		t.Fatalf("notification payload: %v\n%s", err, e.Payload)
	}
	return n
}

func wsURL(n *testnet.Node, query string) string {
	return "ws" + strings.TrimPrefix(n.URL, "http") + "/api/v1/streaming" + query
}

// dialStream opens a WebSocket the way masto.js does: the token as the
// subprotocol.
func dialStream(t *testing.T, n *testnet.Node, token, query string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, wsURL(n, query), &websocket.DialOptions{Subprotocols: []string{token}})
	if err != nil {
		t.Fatalf("dial %s: %v", query, err)
	}
	if ws.Subprotocol() != token {
		t.Errorf("the handshake did not echo the token protocol: %q", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

// next reads the next message within d.
func next(t *testing.T, ws *websocket.Conn, d time.Duration) (streamed, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, raw, err := ws.Read(ctx)
	if err != nil {
		return streamed{}, false
	}
	var e streamed
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("message is not JSON: %v\n%s", err, raw)
	}
	return e, true
}

// until reads messages until one satisfies want, by the deadline.
func until(t *testing.T, ws *websocket.Conn, deadline time.Time, what string, want func(streamed) bool) streamed {
	t.Helper()
	for {
		e, ok := next(t, ws, time.Until(deadline))
		if !ok {
			t.Fatalf("no %s by the deadline", what)
		}
		if want(e) {
			return e
		}
	}
}

func post(t *testing.T, u *testnet.User, body map[string]any) string {
	t.Helper()
	var st struct{ ID string }
	res := u.API("POST", "/statuses", body)
	if res.Status != 200 {
		t.Fatalf("%s posts: %d %s", u.Username, res.Status, res.Body)
	}
	res.JSON(t, &st)
	return st.ID
}

// The "done when": a new mention arrives over the WebSocket stream
// within a second, as a notification and as an update of the home stream.
func TestStreamingMentionOverWebSocket(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	ws := dialStream(t, n, bob.Token, "?stream=user")

	id := post(t, alice, map[string]any{"status": "@bob la réunion est avancée à 9 h"})
	deadline := time.Now().Add(time.Second)
	var gotUpdate, gotMention bool
	for !gotUpdate || !gotMention {
		e := until(t, ws, deadline, "mention", func(streamed) bool { return true })
		if len(e.Stream) != 1 || e.Stream[0] != "user" {
			t.Errorf("stream %v", e.Stream)
		}
		switch e.Event {
		case "update":
			st := e.status(t)
			gotUpdate = st.ID == id && strings.Contains(st.Content, "avancée")
		case "notification":
			nt := e.notification(t)
			gotMention = nt.Type == "mention" && nt.Status.ID == id
		}
	}
	t.Logf("the mention arrived %v after the post's answer", time.Since(deadline.Add(-time.Second)))

	// Edit and delete reach the stream too; delete's payload is the id.
	if res := alice.API("PUT", "/statuses/"+id, map[string]any{"status": "@bob la réunion est avancée à 8 h"}); res.Status != 200 {
		t.Fatalf("edit: %d %s", res.Status, res.Body)
	}
	e := until(t, ws, time.Now().Add(10*time.Second), "status.update", func(e streamed) bool { return e.Event == "status.update" })
	if st := e.status(t); st.ID != id || !strings.Contains(st.Content, "8 h") {
		t.Errorf("status.update: %s", e.Payload)
	}
	if res := alice.API("DELETE", "/statuses/"+id, nil); res.Status != 200 {
		t.Fatalf("delete: %d", res.Status)
	}
	e = until(t, ws, time.Now().Add(10*time.Second), "delete", func(e streamed) bool { return e.Event == "delete" })
	if e.Payload != id {
		t.Errorf("delete payload %q, want %q", e.Payload, id)
	}
}

// Subscribe and unsubscribe messages on one WebSocket, the token in the
// access_token parameter; hashtag streams name their tag.
func TestStreamingSubscribeMessages(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, wsURL(n, "?access_token="+bob.Token), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	send := func(m map[string]any) {
		raw, _ := json.Marshal(m)
		if err := ws.Write(ctx, websocket.MessageText, raw); err != nil {
			t.Fatal(err)
		}
	}
	send(map[string]any{"type": "subscribe", "stream": "hashtag", "tag": "Urbanisme"})
	send(map[string]any{"type": "subscribe", "stream": "public:local"})
	send(map[string]any{"type": "subscribe", "stream": "public:remote"})
	// The server reads messages in order: an error frame for a bad one
	// tells that the subscriptions before it are in place.
	send(map[string]any{"type": "subscribe", "stream": "nope"})
	if e, _ := next(t, ws, 10*time.Second); e.Status != 400 || e.Error == "" {
		t.Fatalf("unknown stream: %+v", e)
	}
	id := post(t, alice, map[string]any{"status": "Révision du PLU #urbanisme"})
	got := map[string]bool{}
	for len(got) < 2 {
		e := until(t, ws, time.Now().Add(10*time.Second), "update", func(e streamed) bool { return e.Event == "update" })
		if e.status(t).ID != id {
			t.Fatalf("update of %s", e.Payload)
		}
		got[strings.Join(e.Stream, " ")] = true
	}
	if !got["hashtag urbanisme"] || !got["public:local"] {
		t.Errorf("streams of a local public post with a hashtag: %v", got)
	}
	send(map[string]any{"type": "unsubscribe", "stream": "hashtag", "tag": "urbanisme"})
	send(map[string]any{"type": "unsubscribe", "stream": "public:local"})
	send(map[string]any{"type": "subscribe", "stream": "public"})
	send(map[string]any{"type": "subscribe", "stream": "nope"})
	next(t, ws, 10*time.Second)
	id = post(t, alice, map[string]any{"status": "Encore #urbanisme"})
	e := until(t, ws, time.Now().Add(10*time.Second), "update", func(e streamed) bool { return e.Event == "update" })
	if strings.Join(e.Stream, " ") != "public" || e.status(t).ID != id {
		t.Errorf("after unsubscribing, got %v %s", e.Stream, e.Payload)
	}
	if e, ok := next(t, ws, 500*time.Millisecond); ok {
		t.Errorf("an unsubscribed stream still streams: %+v", e)
	}
}

// The rules of visibility hold on streams: a private group's post reaches
// its members only, a direct post only the people it addresses (and theirs
// comes as a conversation on the direct stream).
func TestStreamingVisibility(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")
	var g struct{ ID string }
	res := alice.API("POST", "/groups", map[string]any{"name": "Cabinet", "visibility": "private", "join_policy": "open"})
	if res.Status != 200 {
		t.Fatalf("group: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &g)
	if res := carol.API("POST", "/groups/"+g.ID+"/join", nil); res.Status != 200 {
		t.Fatalf("join: %d %s", res.Status, res.Body)
	}
	bob.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{})
	carol.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{})
	bobWS := dialStream(t, n, bob.Token, "?stream=user")
	bobPublic := dialStream(t, n, bob.Token, "?stream=public")
	carolWS := dialStream(t, n, carol.Token, "?stream=user")
	carolDirect := dialStream(t, n, carol.Token, "?stream=direct")

	groupPost := post(t, alice, map[string]any{"status": "Ordre du jour du cabinet #budget", "group_id": g.ID})
	direct := post(t, alice, map[string]any{"status": "@carol entre nous", "visibility": "direct"})
	public := post(t, alice, map[string]any{"status": "Bonjour à tous"})

	for _, ws := range []*websocket.Conn{bobWS, bobPublic} {
		e := until(t, ws, time.Now().Add(10*time.Second), "update", func(e streamed) bool { return e.Event == "update" })
		if got := e.status(t).ID; got != public {
			t.Errorf("bob's first update on %v is %s, want only the public post %s (group %s, direct %s)", e.Stream, got, public, groupPost, direct)
		}
	}
	seen := map[string]bool{}
	for !seen[public] {
		e := until(t, carolWS, time.Now().Add(10*time.Second), "update", func(e streamed) bool { return e.Event == "update" })
		seen[e.status(t).ID] = true
	}
	if !seen[groupPost] || !seen[direct] {
		t.Errorf("carol's home stream: %v, want the group post %s and the direct post %s", seen, groupPost, direct)
	}
	e := until(t, carolDirect, time.Now().Add(10*time.Second), "conversation", func(e streamed) bool { return e.Event == "conversation" })
	var conv struct {
		Accounts   []struct{ ID string }
		LastStatus struct{ ID string } `json:"last_status"`
	}
	if err := json.Unmarshal([]byte(e.Payload), &conv); err != nil {
		t.Fatal(err)
	}
	if conv.LastStatus.ID != direct || len(conv.Accounts) != 1 || conv.Accounts[0].ID != id(alice.Actor.ID) {
		t.Errorf("conversation: %s", e.Payload)
	}
}

// The server-sent-event paths stream the same events, the token in the
// access_token parameter.
func TestStreamingServerSentEvents(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", n.URL+"/api/v1/streaming/user/notification?access_token="+bob.Token, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(resp.Body)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), ":") {
		t.Fatalf("first line %q", lines.Text())
	}
	id := post(t, alice, map[string]any{"status": "@bob compte rendu en pièce jointe"})
	var event, data string
	for lines.Scan() {
		line := lines.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			event = v
		} else if v, ok := strings.CutPrefix(line, "data: "); ok {
			data = v
		} else if line == "" && event != "" {
			break
		}
	}
	nt := streamed{Event: event, Payload: data}.notification(t)
	if event != "notification" || nt.Type != "mention" || nt.Status.ID != id {
		t.Errorf("event %q: %s", event, data)
	}
}

// Bad input: no token, a wrong one, too little scope, an unknown stream,
// a hashtag stream without its tag; the health check answers OK.
func TestStreamingBadInput(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	ctx := context.Background()
	notifOnly := n.TokenWith(alice, "read:notifications")
	push := n.TokenWith(alice, "push")
	for _, c := range []struct {
		path, token string
		status      int
	}{
		{"/api/v1/streaming/user", "", 401},
		{"/api/v1/streaming/user?access_token=wrong", "", 401},
		{"/api/v1/streaming/public", "", 401},
		{"/api/v1/streaming/user", push, 403},
		{"/api/v1/streaming/user", notifOnly, 403},
		{"/api/v1/streaming/hashtag", alice.Token, 400},
		{"/api/v1/streaming/hashtag?tag=a%20b", alice.Token, 400},
		{"/api/v1/streaming/list?list=12", alice.Token, 404},
		{"/api/v1/streaming/nope", alice.Token, 404},
		{"/api/v1/streaming", "", 401},
		{"/api/v1/streaming", push, 403},
	} {
		res := n.Do("GET", c.path, c.token, nil)
		var e struct{ Error string }
		res.JSON(t, &e)
		if res.Status != c.status || e.Error == "" {
			t.Errorf("%s: %d %s, want %d with a JSON error", c.path, res.Status, res.Body, c.status)
		}
	}
	// The WebSocket handshake refuses a missing token before upgrading.
	if _, resp, err := websocket.Dial(ctx, wsURL(n, "?stream=user"), nil); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Errorf("WebSocket without a token: %v %v", err, resp)
	}
	// A stream refused after the upgrade gets Mastodon's error frame.
	ws := dialStream(t, n, notifOnly, "?stream=nope")
	if e, _ := next(t, ws, 10*time.Second); e.Status != 400 || e.Error == "" {
		t.Errorf("unknown stream: %+v", e)
	}
	raw, _ := json.Marshal(map[string]any{"type": "subscribe", "stream": "user"})
	_ = ws.Write(ctx, websocket.MessageText, raw)
	if e, _ := next(t, ws, 10*time.Second); e.Status != 403 || !strings.Contains(e.Error, "scope") {
		t.Errorf("user stream with read:notifications only: %+v", e)
	}
	_ = ws.Write(ctx, websocket.MessageText, []byte("not json"))
	if e, _ := next(t, ws, 10*time.Second); e.Status != 400 {
		t.Errorf("a message that is not JSON: %+v", e)
	}
	res := n.Do("GET", "/api/v1/streaming/health", "", nil)
	if res.Status != 200 || string(res.Body) != "OK" {
		t.Errorf("health: %d %q", res.Status, res.Body)
	}
}
