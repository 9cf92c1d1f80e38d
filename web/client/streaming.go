package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/oauth"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// Mastodon's stream names.
const (
	streamUser         = "user"
	streamNotification = "user:notification"
	streamPublic       = "public"
	streamPublicLocal  = "public:local"
	streamPublicRemote = "public:remote"
	streamHashtag      = "hashtag"
	streamHashtagLocal = "hashtag:local"
	streamList         = "list"
	streamDirect       = "direct"
)

// Streaming intervals: a WebSocket is pinged, a server-sent-event stream
// gets a comment line, often enough that proxies keep idle streams open
// (Mastodon's heartbeat is 15 s for events).
const (
	webSocketPing = 30 * time.Second
	eventsPing    = 15 * time.Second
	// streamWriteTimeout bounds one write to a client; a client that
	// cannot take an event in that time is disconnected.
	streamWriteTimeout = 10 * time.Second
	// maxSubscribeMessage bounds a client's subscribe/unsubscribe message.
	maxSubscribeMessage = 4096
)

// stream is one subscription of a connection: a stream name with its tag
// or list.
type stream struct {
	Name string
	Tag  string
	List int64
}

// ids is the stream as events name it: ["user"], ["hashtag", "tag"],
// ["list", "12"].
func (s stream) ids() []string {
	switch {
	case s.Tag != "":
		return []string{s.Name, s.Tag}
	case s.List != 0:
		return []string{s.Name, strconv.FormatInt(s.List, 10)}
	}
	return []string{s.Name}
}

// scope is what a token needs to read the stream (Mastodon's: read, or
// read:notifications for notifications only, read:statuses otherwise).
func (s stream) scope() string {
	if s.Name == streamNotification {
		return "read:notifications"
	}
	return "read:statuses"
}

// streamError is a refused stream: its HTTP status and Mastodon's message.
type streamError struct {
	status int
	msg    string
}

func (e *streamError) Error() string { return e.msg }

func badStream(status int, format string, args ...any) *streamError {
	return &streamError{status: status, msg: fmt.Sprintf(format, args...)}
}

// streamConn is one client's connection (a WebSocket with any number of
// streams, or one server-sent-event stream).
type streamConn struct {
	api    *API
	grant  *oauth.Grant
	viewer int64

	mu      sync.Mutex
	streams map[stream]bool
}

// subscribe checks a stream's name, parameters and scope and adds it.
func (c *streamConn) subscribe(ctx context.Context, name, tag, list string) (stream, *streamError) {
	s := stream{Name: name}
	switch name {
	case streamUser, streamNotification, streamPublic, streamPublicLocal, streamPublicRemote, streamDirect:
	case streamHashtag, streamHashtagLocal:
		if tag == "" {
			return s, badStream(http.StatusBadRequest, "Missing tag name parameter")
		}
		if s.Tag = store.NormaliseTag(tag); !store.ValidTag(s.Tag) {
			return s, badStream(http.StatusBadRequest, "Not a hashtag: %q", tag)
		}
	case streamList:
		id, err := strconv.ParseInt(list, 10, 64)
		if list == "" || err != nil || id <= 0 {
			return s, badStream(http.StatusBadRequest, "Missing list id parameter")
		}
		if !c.api.ownsList(ctx, c.viewer, id) {
			return s, badStream(http.StatusNotFound, "No such list")
		}
		s.List = id
	case "":
		return s, badStream(http.StatusBadRequest, "Missing stream type")
	default:
		return s, badStream(http.StatusBadRequest, "Unknown stream type")
	}
	if !c.grant.Scopes.Grants(s.scope()) {
		return s, badStream(http.StatusForbidden, "Access token does not have the required scopes (it needs %s)", s.scope())
	}
	c.mu.Lock()
	c.streams[s] = true
	c.mu.Unlock()
	return s, nil
}

func (c *streamConn) unsubscribe(s stream) {
	if s.Tag != "" {
		s.Tag = store.NormaliseTag(s.Tag)
	}
	c.mu.Lock()
	delete(c.streams, s)
	c.mu.Unlock()
}

func (c *streamConn) snapshot() []stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]stream, 0, len(c.streams))
	for s := range c.streams {
		out = append(out, s)
	}
	return out
}

// streamEvent is one message to a client, Mastodon's shape: the payload is
// the entity JSON-encoded as a string (a status id for delete).
type streamEvent struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
}

// events turns a committed change into the events this connection's
// viewer may receive on its streams.
func (c *streamConn) events(ctx context.Context, ch store.Change) []streamEvent {
	subs := c.snapshot()
	if len(subs) == 0 {
		return nil
	}
	switch ch.Kind {
	case store.ChangeNotification:
		return c.notificationEvents(ctx, ch, subs)
	case store.ChangeStatus, store.ChangeStatusUpdate:
		return c.statusEvents(ctx, ch, subs)
	case store.ChangeDelete:
		return c.deleteEvents(ctx, ch, subs)
	}
	return nil
}

func (c *streamConn) notificationEvents(ctx context.Context, ch store.Change, subs []stream) []streamEvent {
	if ch.Recipient != c.viewer {
		return nil
	}
	n, err := c.api.Store.NotificationByID(ctx, c.viewer, ch.NotificationID)
	// Archipel's own types stay out of streams as they stay out of
	// notification lists by default: apps show an unknown type badly.
	if err != nil || strings.HasPrefix(n.Type, store.ArchipelPrefix) || c.api.hiddenAuthor(ctx, c.viewer, n.From, store.HideInNotifications) {
		return nil
	}
	list := c.api.notificationEntitiesFor(withFilterContext(ctx, "notifications"), c.viewer, []store.Notification{n})
	if len(list) == 0 {
		return nil
	}
	payload, _ := json.Marshal(list[0])
	var out []streamEvent
	for _, s := range subs {
		if s.Name == streamUser || s.Name == streamNotification {
			out = append(out, streamEvent{Stream: s.ids(), Event: "notification", Payload: string(payload)})
		}
	}
	return out
}

func (c *streamConn) statusEvents(ctx context.Context, ch store.Change, subs []stream) []streamEvent {
	o, err := c.api.Store.ObjectByID(ctx, ch.ObjectID)
	if err != nil || o.DeletedAt != nil {
		return nil
	}
	post := o
	if o.Type == store.ShareType {
		if post, err = c.api.Store.ObjectByURI(ctx, o.URL); err != nil || post.DeletedAt != nil {
			return nil
		}
	}
	// The one read rule, for the post itself (a share shows the shared
	// post): a private group's post only to its members, a direct post
	// only to those it addresses.
	if ok, err := c.api.Store.CanSee(ctx, post, c.viewer); err != nil || !ok {
		return nil
	}
	if c.api.hiddenAuthor(ctx, c.viewer, o.AttributedTo, store.HideInTimelines) || c.api.hiddenAuthor(ctx, c.viewer, post.AttributedTo, store.HideInTimelines) {
		return nil
	}
	// Rendered once per filter context: the viewer's filters of the home
	// and public contexts may differ.
	payloads := map[string]string{}
	render := func(s stream) string {
		where := "public"
		if s.Name == streamUser || s.Name == streamList {
			where = "home"
		}
		p, done := payloads[where]
		if !done {
			if st, ok := c.api.statusEntityFor(withFilterContext(ctx, where), c.viewer, o); ok {
				raw, _ := json.Marshal(st)
				p = string(raw)
			}
			payloads[where] = p
		}
		return p
	}
	event := "update"
	if ch.Kind == store.ChangeStatusUpdate {
		event = "status.update"
	}
	var out []streamEvent
	for _, s := range subs {
		if s.Name == streamDirect {
			if o == post && o.Visibility == store.ObjDirect && ch.Kind == store.ChangeStatus {
				if conv := c.api.conversationPayload(ctx, c.viewer, o); conv != "" {
					out = append(out, streamEvent{Stream: s.ids(), Event: "conversation", Payload: conv})
				}
			}
			continue
		}
		if !c.api.streamHas(ctx, s, c.viewer, o) {
			continue
		}
		if p := render(s); p != "" {
			out = append(out, streamEvent{Stream: s.ids(), Event: event, Payload: p})
		}
	}
	return out
}

// deleteEvents tells of a deletion on every stream but notifications, to a
// viewer who could read the post: a tombstone keeps its visibility, and
// the event carries only its id.
func (c *streamConn) deleteEvents(ctx context.Context, ch store.Change, subs []stream) []streamEvent {
	o, err := c.api.Store.ObjectByID(ctx, ch.ObjectID)
	if err != nil {
		return nil
	}
	if ok, err := c.api.Store.CanSee(ctx, o, c.viewer); err != nil || !ok {
		return nil
	}
	var out []streamEvent
	for _, s := range subs {
		if s.Name != streamNotification {
			out = append(out, streamEvent{Stream: s.ids(), Event: "delete", Payload: strconv.FormatInt(o.ID, 10)})
		}
	}
	return out
}

// streamHas tells whether a post or share belongs to a stream: the
// timeline queries' own rules, asked for the one post.
func (api *API) streamHas(ctx context.Context, s stream, viewer int64, o *store.Object) bool {
	var ok bool
	var err error
	switch s.Name {
	case streamUser:
		ok, err = api.Store.InHomeTimeline(ctx, viewer, o.ID)
	case streamPublic, streamPublicLocal, streamPublicRemote:
		ok, err = api.Store.InPublicTimeline(ctx, store.TimelineFilter{LocalOnly: s.Name == streamPublicLocal,
			RemoteOnly: s.Name == streamPublicRemote}, o.ID)
	case streamHashtag, streamHashtagLocal:
		ok, err = api.Store.InPublicTimeline(ctx, store.TimelineFilter{AnyTags: []string{s.Tag}, WithReplies: true,
			LocalOnly: s.Name == streamHashtagLocal}, o.ID)
	case streamList:
		ok = api.listHas(ctx, viewer, s.List, o)
	}
	if err != nil {
		slog.Warn("streaming: timeline check", "stream", s.Name, "err", err)
	}
	return ok
}

// hiddenAuthor is the one place where streams drop the posts (scope
// HideInTimelines) and notifications (HideInNotifications) of an account
// the viewer blocked or muted, by store.HiddenFrom, the rule the lists'
// queries apply.
func (api *API) hiddenAuthor(ctx context.Context, viewer, author int64, scope store.HideScope) bool {
	hidden, err := api.Store.HiddenFrom(ctx, viewer, scope, []int64{author})
	if err != nil {
		slog.Warn("streaming: hidden check", "err", err)
		return true // in doubt, leave it out: the lists show it anyway
	}
	return hidden[author]
}

// ownsList tells whether a list exists and is the viewer's.
func (api *API) ownsList(ctx context.Context, viewer, list int64) bool {
	_, err := api.Store.ListOf(ctx, viewer, list)
	return err == nil
}

// listHas tells whether a post is in the viewer's list, by the list
// timeline's own query on the page that holds exactly that post.
func (api *API) listHas(ctx context.Context, viewer, list int64, o *store.Object) bool {
	l, err := api.Store.ListOf(ctx, viewer, list)
	if err != nil {
		return false
	}
	page, err := api.Store.ListTimeline(ctx, l, store.Page{MaxID: o.ID + 1, SinceID: o.ID - 1, Limit: 1})
	return err == nil && len(page) == 1
}

// conversationPayload is the direct stream's conversation event for a new
// direct post: the thread it starts or continues, with the other people in
// it. Its id is the post's thread root, until the accounts part of issue
// 15 brings conversations of their own (then this uses their converter).
func (api *API) conversationPayload(ctx context.Context, viewer int64, o *store.Object) string {
	st, ok := api.statusEntityFor(ctx, viewer, o)
	if !ok {
		return ""
	}
	root := o.ID
	if o.InReplyTo != "" {
		if ctxObjs, err := api.Store.ObjectsByURIs(ctx, []string{o.InReplyTo}); err == nil {
			if p := ctxObjs[o.InReplyTo]; p != nil {
				root = p.ID
			}
		}
	}
	conv := conversationJSON{ID: strconv.FormatInt(root, 10), Unread: o.AttributedTo != viewer, Accounts: []accountJSON{},
		LastStatus: &st}
	if o.AttributedTo != viewer {
		conv.Accounts = append(conv.Accounts, st.Account)
	}
	for _, m := range st.Mentions {
		if m.ID != strconv.FormatInt(viewer, 10) {
			if a, err := strconv.ParseInt(m.ID, 10, 64); err == nil {
				if actor, err := api.Store.ActorByID(ctx, a); err == nil {
					conv.Accounts = append(conv.Accounts, api.accountEntity(ctx, actor))
				}
			}
		}
	}
	raw, _ := json.Marshal(conv)
	return string(raw)
}

// streamToken is the token a streaming request carries, where Mastodon
// reads it: the Authorization header (read by Authenticate), the
// access_token parameter, or the Sec-WebSocket-Protocol header (browsers
// cannot set headers on a WebSocket). fromProtocol says the last, which
// the handshake must then echo.
func streamToken(r *http.Request) (token string, fromProtocol bool) {
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t, false
	}
	for _, p := range strings.Split(r.Header.Get("Sec-WebSocket-Protocol"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			return p, true
		}
	}
	return "", false
}

// streamConnection authenticates a streaming request: a person's token
// granting at least one stream's scope. It answers the error itself.
func (api *API) streamConnection(w http.ResponseWriter, r *http.Request) (*streamConn, bool) {
	g := auth.GrantOf(r)
	if g == nil {
		token, _ := streamToken(r)
		if token == "" {
			respond.Error(w, http.StatusUnauthorized, "Missing access token")
			return nil, false
		}
		var err error
		if g, err = api.Auth.OAuth.Authenticate(r.Context(), token); errors.Is(err, accounts.ErrUnauthenticated) {
			respond.Error(w, http.StatusUnauthorized, "Invalid access token")
			return nil, false
		} else if err != nil {
			respond.Fail(w, err)
			return nil, false
		}
	}
	if !g.Scopes.Grants("read:statuses") && !g.Scopes.Grants("read:notifications") {
		respond.Error(w, http.StatusForbidden, "Access token does not have the required scopes (it needs read, read:statuses or read:notifications)")
		return nil, false
	}
	if g.Account == nil {
		respond.Error(w, http.StatusUnauthorized, "Streams need an access token of a person, not of an app")
		return nil, false
	}
	return &streamConn{api: api, grant: g, viewer: g.Account.ActorID, streams: map[stream]bool{}}, true
}

// apiStreamingHealth is GET /api/v1/streaming/health.
func (api *API) apiStreamingHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("OK"))
}

// apiStreamEvents serves one stream as server-sent events
// (/api/v1/streaming/user, /public/local, /hashtag?tag=…).
func (api *API) apiStreamEvents(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := api.streamConnection(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		if _, serr := c.subscribe(r.Context(), name, q.Get("tag"), q.Get("list")); serr != nil {
			respond.Error(w, serr.status, serr.msg)
			return
		}
		sub, err := api.Streams.Subscribe(r.Context())
		if err != nil {
			respond.Error(w, http.StatusServiceUnavailable, "streaming is not available")
			return
		}
		defer sub.Close()
		rc := http.NewResponseController(w)
		// A stream outlives the server's write timeout, if one is set.
		_ = rc.SetWriteDeadline(time.Time{})
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(":)\n"))
		if rc.Flush() != nil {
			return
		}
		ping := time.NewTicker(eventsPing)
		defer ping.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-ping.C:
				_, _ = w.Write([]byte(":thump\n"))
			case ch, open := <-sub.C():
				if !open {
					return
				}
				for _, e := range c.events(r.Context(), ch) {
					fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Event, e.Payload)
				}
			}
			_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			if rc.Flush() != nil {
				return
			}
		}
	}
}

// subscribeMessage is what a WebSocket client sends to change its
// streams: {"type":"subscribe","stream":"hashtag","tag":"urbanisme"}.
type subscribeMessage struct {
	Type   string `json:"type"`
	Stream string `json:"stream"`
	Tag    string `json:"tag"`
	List   any    `json:"list"` // a string, or a number from some clients
}

// streamErrorFrame is Mastodon's error message on a WebSocket.
type streamErrorFrame struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// apiStreamWebSocket is GET /api/v1/streaming: a WebSocket that streams
// what the stream parameter and later subscribe messages ask for.
func (api *API) apiStreamWebSocket(w http.ResponseWriter, r *http.Request) {
	c, ok := api.streamConnection(w, r)
	if !ok {
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		respond.Error(w, http.StatusBadRequest, "this endpoint is a WebSocket; server-sent events are under /api/v1/streaming/<stream>")
		return
	}
	opts := &websocket.AcceptOptions{
		// The token, not a cookie, authenticates: clients on any origin
		// (Elk, Phanpy) may connect, as Mastodon lets them.
		InsecureSkipVerify: true,
	}
	if token, fromProtocol := streamToken(r); fromProtocol && auth.GrantOf(r) == nil {
		opts.Subprotocols = []string{token}
	}
	sub, err := api.Streams.Subscribe(r.Context())
	if err != nil {
		respond.Error(w, http.StatusServiceUnavailable, "streaming is not available")
		return
	}
	defer sub.Close()
	ws, err := websocket.Accept(w, r, opts)
	if err != nil {
		return // Accept answered the client
	}
	defer ws.CloseNow()
	ws.SetReadLimit(maxSubscribeMessage)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	send := func(v any) bool {
		raw, _ := json.Marshal(v)
		wctx, done := context.WithTimeout(ctx, streamWriteTimeout)
		defer done()
		return ws.Write(wctx, websocket.MessageText, raw) == nil
	}
	q := r.URL.Query()
	if name := q.Get("stream"); name != "" {
		if _, serr := c.subscribe(ctx, name, q.Get("tag"), q.Get("list")); serr != nil {
			send(streamErrorFrame{Error: serr.msg, Status: serr.status})
		}
	}
	go func() {
		defer cancel()
		api.readSubscriptions(ctx, ws, c, send)
	}()
	ping := time.NewTicker(webSocketPing)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ping.C:
			pctx, done := context.WithTimeout(ctx, streamWriteTimeout)
			err := ws.Ping(pctx)
			done()
			if err != nil {
				return
			}
		case ch, open := <-sub.C():
			if !open {
				ws.Close(websocket.StatusGoingAway, "the server is shutting down")
				return
			}
			for _, e := range c.events(ctx, ch) {
				if !send(e) {
					return
				}
			}
		}
	}
}

// readSubscriptions applies a WebSocket client's subscribe and unsubscribe
// messages until the connection ends; a bad one gets an error frame.
func (api *API) readSubscriptions(ctx context.Context, ws *websocket.Conn, c *streamConn, send func(any) bool) {
	for {
		typ, raw, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var m subscribeMessage
		if typ != websocket.MessageText || json.Unmarshal(raw, &m) != nil {
			send(streamErrorFrame{Error: "Messages must be JSON: {\"type\": \"subscribe\", \"stream\": …}", Status: http.StatusBadRequest})
			continue
		}
		list := ""
		switch v := m.List.(type) {
		case string:
			list = v
		case float64:
			list = strconv.FormatFloat(v, 'f', -1, 64)
		}
		switch m.Type {
		case "subscribe":
			if _, serr := c.subscribe(ctx, m.Stream, m.Tag, list); serr != nil {
				send(streamErrorFrame{Error: serr.msg, Status: serr.status})
			}
		case "unsubscribe":
			id, _ := strconv.ParseInt(list, 10, 64)
			c.unsubscribe(stream{Name: m.Stream, Tag: m.Tag, List: id})
		default:
			send(streamErrorFrame{Error: "Unknown message type: want subscribe or unsubscribe", Status: http.StatusBadRequest})
		}
	}
}
