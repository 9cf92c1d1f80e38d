package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	vocab "github.com/go-ap/activitypub"
	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
)

// localActor loads the local actor named in the path, of the wanted type.
func (s *Server) localActor(r *http.Request, typ string) (*store.Actor, error) {
	a, err := s.Store.LocalActorByUsername(r.Context(), chi.URLParam(r, "username"))
	if err != nil {
		return nil, err
	}
	if a.Type != typ {
		return nil, store.ErrNotFound
	}
	return a, nil
}

// pageOrActor serves a local actor's document for an ActivityPub request on
// its web page's URL, and the page otherwise.
func (s *Server) pageOrActor(actor http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		name, host, remote := strings.Cut(chi.URLParam(r, "handle"), "@")
		if !wantsActivityJSON(r) || (remote && !strings.EqualFold(host, s.Links.Host())) {
			s.Pages.ServeHTTP(w, r)
			return
		}
		chi.RouteContext(r.Context()).URLParams.Add("username", name)
		actor(w, r)
	}
}

func (s *Server) person(w http.ResponseWriter, r *http.Request) {
	if !wantsActivityJSON(r) {
		http.Redirect(w, r, s.Links.Profile(chi.URLParam(r, "username"), false), http.StatusSeeOther)
		return
	}
	a, err := s.localActor(r, store.TypePerson)
	if err != nil {
		s.apNotFound(w, err)
		return
	}
	body, err := s.Links.ActorDocument(a, nil)
	if err != nil {
		writeError(w, err)
		return
	}
	writeActivityJSON(w, body)
}

func (s *Server) instanceActor(w http.ResponseWriter, r *http.Request) {
	a, err := s.Store.ActorByURI(r.Context(), s.Links.InstanceActor())
	if err != nil {
		s.apNotFound(w, err)
		return
	}
	body, err := s.Links.ActorDocument(a, nil)
	if err != nil {
		writeError(w, err)
		return
	}
	writeActivityJSON(w, body)
}

// viewerOf identifies the remote or local actor behind a signed GET; nil
// when the request is not signed.
func (s *Server) viewerOf(r *http.Request) (*store.Actor, error) {
	if s.Viewer == nil || (r.Header.Get("Signature") == "" && r.Header.Get("Authorization") == "") {
		return nil, nil
	}
	return s.Viewer(r)
}

// visibleGroup loads the group in the path and decides what the requester
// may see. A secret group is 404 to anyone but its members; a private one
// shows its profile but not its content.
func (s *Server) visibleGroup(r *http.Request) (g *store.Group, member bool, err error) {
	a, err := s.localActor(r, store.TypeGroup)
	if err != nil {
		return nil, false, err
	}
	if g, err = s.Store.GroupOf(r.Context(), a); err != nil {
		return nil, false, err
	}
	viewer, verr := s.viewerOf(r)
	if verr == nil && viewer != nil {
		if m, err := s.Store.MembershipOf(r.Context(), g.ID, viewer.ID); err == nil && m.State == store.StateAccepted {
			member = true
		} else if viewer.Type == store.TypeApplication && !viewer.Local {
			// A node fetching for its people: allowed when it hosts members
			// (or invitees, who must be able to check the group's key).
			member, _ = s.Store.HostHasMember(r.Context(), g.ID, viewer.Host)
		}
	}
	if g.Visibility == store.VisibilitySecret && !member {
		return nil, false, store.ErrNotFound
	}
	return g, member, nil
}

func (s *Server) group(w http.ResponseWriter, r *http.Request) {
	if !wantsActivityJSON(r) {
		http.Redirect(w, r, s.Links.Profile(chi.URLParam(r, "username"), true), http.StatusSeeOther)
		return
	}
	g, _, err := s.visibleGroup(r)
	if err != nil {
		s.apNotFound(w, err)
		return
	}
	body, err := s.Links.ActorDocument(g.Actor, g)
	if err != nil {
		writeError(w, err)
		return
	}
	writeActivityJSON(w, body)
}

// groupContentAllowed answers for the collections of a group: public groups
// show them to anyone, private and secret ones only to members.
func (s *Server) groupContentAllowed(w http.ResponseWriter, r *http.Request) (*store.Group, bool) {
	g, member, err := s.visibleGroup(r)
	if err != nil {
		s.apNotFound(w, err)
		return nil, false
	}
	if g.Visibility != store.VisibilityPublic && !member {
		if r.Header.Get("Signature") == "" {
			apiError(w, http.StatusUnauthorized, "this group's content is for its members: sign the request")
		} else {
			apiError(w, http.StatusForbidden, "this group's content is for its members")
		}
		return nil, false
	}
	return g, true
}

func (s *Server) groupMembers(w http.ResponseWriter, r *http.Request) {
	g, ok := s.groupContentAllowed(w, r)
	if !ok {
		return
	}
	s.memberCollection(w, r, g, g.MembersURI, func(m *store.Membership) bool { return true })
}

func (s *Server) groupModerators(w http.ResponseWriter, r *http.Request) {
	g, ok := s.groupContentAllowed(w, r)
	if !ok {
		return
	}
	// Moderators are few: all of them in the collection itself, no pages
	// (Lemmy's shape).
	mods, err := s.Store.Moderators(r.Context(), g.ID)
	if err != nil {
		writeError(w, err)
		return
	}
	items := vocab.ItemCollection{}
	for _, uri := range mods {
		items = append(items, vocab.IRI(uri))
	}
	s.writeAP(w, ap.CollectionWithItems(s.Links.Moderators(g.URI), int64(len(items)), items, false))
}

func (s *Server) memberCollection(w http.ResponseWriter, r *http.Request, g *store.Group, id string, keep func(*store.Membership) bool) {
	total, err := s.Store.CountMembers(r.Context(), g.ID)
	if err != nil {
		writeError(w, err)
		return
	}
	if r.URL.Query().Get("page") == "" {
		s.writeAP(w, ap.Collection(id, total, true))
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	members, err := s.Store.Members(r.Context(), g.ID, store.StateAccepted, after, ap.CollectionPageSize)
	if err != nil {
		writeError(w, err)
		return
	}
	items := vocab.ItemCollection{}
	var last int64
	for _, m := range members {
		last = m.MemberID
		if keep(m) {
			items = append(items, vocab.IRI(m.Member.URI))
		}
	}
	if len(members) < ap.CollectionPageSize {
		last = 0
	}
	s.writeAP(w, ap.CollectionPage(id, r.URL.Query().Get("after"), items, last))
}

func (s *Server) followers(w http.ResponseWriter, r *http.Request) {
	a, err := s.Store.LocalActorByUsername(r.Context(), chi.URLParam(r, "username"))
	if err != nil {
		s.apNotFound(w, err)
		return
	}
	if a.Type == store.TypeGroup {
		if _, ok := s.groupContentAllowed(w, r); !ok {
			return
		}
	}
	followers, _, err := s.Store.CountFollows(r.Context(), a.ID)
	if err != nil {
		writeError(w, err)
		return
	}
	if r.URL.Query().Get("page") == "" {
		s.writeAP(w, ap.Collection(a.Followers, followers, true))
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	uris, last, err := s.Store.FollowerURIs(r.Context(), a.ID, after, ap.CollectionPageSize)
	if err != nil {
		writeError(w, err)
		return
	}
	items := make(vocab.ItemCollection, 0, len(uris))
	for _, u := range uris {
		items = append(items, vocab.IRI(u))
	}
	if len(uris) < ap.CollectionPageSize {
		last = 0
	}
	s.writeAP(w, ap.CollectionPage(a.Followers, r.URL.Query().Get("after"), items, last))
}

// following publishes only the count: whom an agent follows is theirs to know.
func (s *Server) following(w http.ResponseWriter, r *http.Request) {
	a, err := s.localActor(r, store.TypePerson)
	if err != nil {
		s.apNotFound(w, err)
		return
	}
	_, following, err := s.Store.CountFollows(r.Context(), a.ID)
	if err != nil {
		writeError(w, err)
		return
	}
	s.writeAP(w, ap.Collection(a.Following, following, false))
}

func (s *Server) personOutbox(w http.ResponseWriter, r *http.Request) {
	a, err := s.localActor(r, store.TypePerson)
	if err != nil {
		s.apNotFound(w, err)
		return
	}
	s.outboxCollection(w, r, a)
}

// groupOutbox lists the group's posts as the group announced them
// (Announce{Create{Note}}), newest first; the collection itself carries the
// first page, for Lemmy and Mbin, which backfill a community from it.
func (s *Server) groupOutbox(w http.ResponseWriter, r *http.Request) {
	g, ok := s.groupContentAllowed(w, r)
	if !ok {
		return
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	objs, err := s.Store.GroupTimeline(r.Context(), g.ID, store.Page{MaxID: before, Limit: ap.CollectionPageSize})
	if err != nil {
		writeError(w, err)
		return
	}
	items := make(vocab.ItemCollection, 0, len(objs))
	var last int64
	// Announced as the group announces when it delivers.
	to, cc := ap.IRIs(g.MembersURI), ap.IRIs(g.Followers)
	if g.Visibility == store.VisibilityPublic {
		to = vocab.ItemCollection{vocab.PublicNS}
	}
	for _, o := range objs {
		create := createOf(o, o.Author, g)
		announce := ap.NewActivity(vocab.AnnounceType, g.URI+"/outbox/"+strconv.FormatInt(o.ID, 10), g.URI, create, to, cc)
		announce.Audience = ap.IRIs(g.URI)
		announce.Published = o.Published.UTC()
		items = append(items, announce)
		last = o.ID
	}
	if len(objs) < ap.CollectionPageSize {
		last = 0
	}
	if r.URL.Query().Get("page") != "" {
		s.writeAP(w, ap.CollectionPage(g.Outbox, r.URL.Query().Get("after"), items, last))
		return
	}
	n, err := s.Store.CountGroupPosts(r.Context(), g.ID)
	if err != nil {
		writeError(w, err)
		return
	}
	s.writeAP(w, ap.CollectionWithItems(g.Outbox, n, items, true))
}

// createOf is the Create activity of a post, addressed as the post is.
func createOf(o *store.Object, author *store.Actor, group *store.Group) *vocab.Activity {
	note := ap.NoteObject(o, author, addressOf(o, author, group), nil)
	create := vocab.CreateNew(vocab.ID(o.URI+"/activity"), note)
	create.Actor = vocab.IRI(author.URI)
	create.Published = o.Published.UTC()
	if n, err := vocab.ToObject(note); err == nil {
		create.To, create.CC = n.To, n.CC
	}
	return create
}

// outboxCollection lists an actor's public posts as Create activities, newest
// first.
func (s *Server) outboxCollection(w http.ResponseWriter, r *http.Request, a *store.Actor) {
	if r.URL.Query().Get("page") == "" {
		n, err := s.Store.CountPublicAuthorObjects(r.Context(), a.ID)
		if err != nil {
			writeError(w, err)
			return
		}
		s.writeAP(w, ap.Collection(a.Outbox, n, true))
		return
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	objs, err := s.Store.AuthorObjects(r.Context(), a.ID, store.Page{MaxID: before, Limit: ap.CollectionPageSize})
	if err != nil {
		writeError(w, err)
		return
	}
	items := make(vocab.ItemCollection, 0, len(objs))
	var last int64
	for _, o := range objs {
		items = append(items, createOf(o, a, nil))
		last = o.ID
	}
	if len(objs) < ap.CollectionPageSize {
		last = 0
	}
	s.writeAP(w, ap.CollectionPage(a.Outbox, r.URL.Query().Get("after"), items, last))
}

// note serves a local note: public and unlisted ones to anyone; others only
// to a signed viewer allowed to see them.
func (s *Server) note(w http.ResponseWriter, r *http.Request) {
	a, err := s.localActor(r, store.TypePerson)
	if err != nil {
		s.apNotFound(w, err)
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.apNotFound(w, store.ErrNotFound)
		return
	}
	o, err := s.Store.ObjectByID(r.Context(), id)
	if err != nil || o.AttributedTo != a.ID || !o.Local {
		s.apNotFound(w, store.ErrNotFound)
		return
	}
	if o.Visibility != store.ObjPublic && o.Visibility != store.ObjUnlisted {
		// Posts of public groups are for anyone; the others for a signed
		// viewer the reading rule lets in.
		var viewerID int64
		if viewer, _ := s.viewerOf(r); viewer != nil {
			viewerID = viewer.ID
		}
		if ok, err := s.Store.CanSee(r.Context(), o, viewerID); err != nil || !ok {
			s.apNotFound(w, store.ErrNotFound)
			return
		}
	}
	if !wantsActivityJSON(r) {
		http.Redirect(w, r, s.Links.Profile(a.Username, false), http.StatusSeeOther)
		return
	}
	var group *store.Group
	if o.GroupID != nil {
		group, _ = s.Store.GroupByActorID(r.Context(), *o.GroupID)
	}
	s.writeAP(w, ap.NoteObject(o, a, addressOf(o, a, group), nil))
}

// addressOf addresses a post as it was sent: a public group's posts are
// public too.
func addressOf(o *store.Object, author *store.Actor, g *store.Group) ap.Addressing {
	if g == nil {
		return ap.Address(o, author, nil, nil)
	}
	addr := ap.Address(o, author, g.Actor, nil)
	if g.Visibility == store.VisibilityPublic {
		addr = addr.WithPublic()
	}
	return addr
}

func (s *Server) writeAP(w http.ResponseWriter, it vocab.Item) {
	var extras map[string]any
	// go-ap leaves out an empty orderedItems; Lemmy wants [] on a page and on
	// a collection that carries its items.
	switch c := it.(type) {
	case *vocab.OrderedCollectionPage:
		if len(c.OrderedItems) == 0 {
			extras = map[string]any{"orderedItems": []any{}}
		}
	case *vocab.OrderedCollection:
		// A collection that carries its items (CollectionWithItems, never
		// nil) says so even when it has none; a summary leaves them out.
		if c.OrderedItems != nil && len(c.OrderedItems) == 0 {
			extras = map[string]any{"orderedItems": []any{}}
		}
	}
	body, err := ap.Marshal(it, extras)
	if err != nil {
		writeError(w, err)
		return
	}
	writeActivityJSON(w, body)
}

func (s *Server) apNotFound(w http.ResponseWriter, err error) {
	if errors.Is(err, store.ErrNotFound) {
		apiError(w, http.StatusNotFound, "not found")
		return
	}
	writeError(w, err)
}
