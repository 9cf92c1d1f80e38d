package activitypub

import (
	"net/http"
	"strconv"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

func (h *Handler) personOutbox(w http.ResponseWriter, r *http.Request) {
	a, err := h.localActor(r, store.TypePerson)
	if err != nil {
		h.apNotFound(w, err)
		return
	}
	h.outboxCollection(w, r, a)
}

// groupOutbox lists the group's posts as the group announced them
// (Announce{Create{Note}}), newest first; the collection itself carries the
// first page, for Lemmy and Mbin, which backfill a community from it.
func (h *Handler) groupOutbox(w http.ResponseWriter, r *http.Request) {
	g, ok := h.groupContentAllowed(w, r)
	if !ok {
		return
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	objs, err := h.Store.GroupTimeline(r.Context(), g.ID, store.Page{MaxID: before, Limit: ap.CollectionPageSize})
	if err != nil {
		respond.Fail(w, err)
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
		h.writeAP(w, ap.CollectionPage(g.Outbox, r.URL.Query().Get("after"), items, last))
		return
	}
	n, err := h.Store.CountGroupPosts(r.Context(), g.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	h.writeAP(w, ap.CollectionWithItems(g.Outbox, n, items, true))
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
func (h *Handler) outboxCollection(w http.ResponseWriter, r *http.Request, a *store.Actor) {
	if r.URL.Query().Get("page") == "" {
		n, err := h.Store.CountPublicAuthorObjects(r.Context(), a.ID)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		h.writeAP(w, ap.Collection(a.Outbox, n, true))
		return
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	objs, err := h.Store.AuthorObjects(r.Context(), a.ID, store.Page{MaxID: before, Limit: ap.CollectionPageSize})
	if err != nil {
		respond.Fail(w, err)
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
	h.writeAP(w, ap.CollectionPage(a.Outbox, r.URL.Query().Get("after"), items, last))
}
