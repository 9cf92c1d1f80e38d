package activitypub

import (
	"encoding/json"
	"net/http"
	"strconv"

	vocab "github.com/go-ap/activitypub"
	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

func (h *Handler) followers(w http.ResponseWriter, r *http.Request) {
	a, err := h.Store.LocalActorByUsername(r.Context(), chi.URLParam(r, "username"))
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	if a.Type == store.TypeGroup {
		if _, ok := h.groupContentAllowed(w, r); !ok {
			return
		}
	}
	followers, _, err := h.Store.CountFollows(r.Context(), a.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if r.URL.Query().Get("page") == "" {
		h.writeAP(w, ap.Collection(a.Followers, followers, true))
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	uris, last, err := h.Store.FollowerURIs(r.Context(), a.ID, after, ap.CollectionPageSize)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	items := make(vocab.ItemCollection, 0, len(uris))
	for _, u := range uris {
		items = append(items, vocab.IRI(u))
	}
	if len(uris) < ap.CollectionPageSize {
		last = 0
	}
	h.writeAP(w, ap.CollectionPage(a.Followers, r.URL.Query().Get("after"), items, last))
}

// following publishes only the count: whom an agent follows is theirs to know.
func (h *Handler) following(w http.ResponseWriter, r *http.Request) {
	a, err := h.localActor(r, store.TypePerson)
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	_, following, err := h.Store.CountFollows(r.Context(), a.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	h.writeAP(w, ap.Collection(a.Following, following, false))
}

func (h *Handler) groupMembers(w http.ResponseWriter, r *http.Request) {
	g, ok := h.groupContentAllowed(w, r)
	if !ok {
		return
	}
	h.memberCollection(w, r, g, g.MembersURI, func(m *store.Membership) bool { return true })
}

func (h *Handler) groupModerators(w http.ResponseWriter, r *http.Request) {
	g, ok := h.groupContentAllowed(w, r)
	if !ok {
		return
	}
	// Moderators are few: all of them in the collection itself, no pages
	// (Lemmy's shape).
	mods, err := h.Store.Moderators(r.Context(), g.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	items := vocab.ItemCollection{}
	for _, uri := range mods {
		items = append(items, vocab.IRI(uri))
	}
	h.writeAP(w, ap.CollectionWithItems(h.Links.Moderators(g.URI), int64(len(items)), items, false))
}

func (h *Handler) memberCollection(w http.ResponseWriter, r *http.Request, g *store.Group, id string, keep func(*store.Membership) bool) {
	total, err := h.Store.CountMembers(r.Context(), g.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if r.URL.Query().Get("page") == "" {
		h.writeAP(w, ap.Collection(id, total, true))
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	members, err := h.Store.Members(r.Context(), g.ID, store.StateAccepted, after, ap.CollectionPageSize)
	if err != nil {
		respond.Fail(w, err)
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
	h.writeAP(w, ap.CollectionPage(id, r.URL.Query().Get("after"), items, last))
}

// featured is a person's pinned posts, whole, as Mastodon serves them;
// GoToSocial reads it at every actor fetch.
func (h *Handler) featured(w http.ResponseWriter, r *http.Request) {
	a, err := h.localActor(r, store.TypePerson)
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	objs, err := h.Store.PinnedObjects(r.Context(), a.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	rows, err := h.Store.NoteRowsOf(r.Context(), objs)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	items := make([]json.RawMessage, 0, len(rows))
	for _, n := range rows {
		doc, err := h.Links.NoteDocument(n)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		items = append(items, doc)
	}
	h.writeItems(w, ap.Collection(h.Links.Featured(a.URI), int64(len(items)), false), items)
}

// featuredTags is a person's skills as Hashtags (Mastodon's featured tags).
func (h *Handler) featuredTags(w http.ResponseWriter, r *http.Request) {
	a, err := h.localActor(r, store.TypePerson)
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	body, err := h.Links.FeaturedTagsDocument(a)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, body)
}

// instanceCollection is the instance actor's outbox or followers: it posts
// nothing and nobody follows it, but its document names both, and peers
// (GoToSocial) fetch them.
func (h *Handler) instanceCollection(w http.ResponseWriter, r *http.Request) {
	h.writeItems(w, ap.Collection(h.Links.Base+r.URL.Path, 0, false), nil)
}
