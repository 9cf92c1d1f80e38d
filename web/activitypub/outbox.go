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
	items, err := h.groupOutboxItems(r, g, objs)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	last := nextAfter(objs)
	if r.URL.Query().Get("page") != "" {
		h.writeItems(w, ap.CollectionPage(g.Outbox, r.URL.Query().Get("after"), nil, last), items)
		return
	}
	n, err := h.Store.CountGroupPosts(r.Context(), g.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	h.writeItems(w, ap.CollectionWithItems(g.Outbox, n, nil, true), items)
}

// groupOutboxItem serves one item of a group's outbox at its id.
func (h *Handler) groupOutboxItem(w http.ResponseWriter, r *http.Request) {
	g, ok := h.groupContentAllowed(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		h.apNotFound(w, store.ErrNotFound)
		return
	}
	o, err := h.Store.ObjectByID(r.Context(), id)
	if err != nil || o.GroupID == nil || *o.GroupID != g.ID || !store.IsPostType(o.Type) {
		h.apNotFound(w, store.ErrNotFound)
		return
	}
	if o.DeletedAt != nil {
		h.gone(w, ap.Tombstone(groupOutboxID(g, o), "Announce", *o.DeletedAt))
		return
	}
	items, err := h.groupOutboxItems(r, g, []*store.Object{o})
	if err == nil {
		items[0], err = ap.WithContext(items[0])
	}
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.ActivityJSON(w, items[0])
}

func groupOutboxID(g *store.Group, o *store.Object) string {
	return g.Outbox + "/" + strconv.FormatInt(o.ID, 10)
}

// groupOutboxItems are posts of a group as it announces them when it
// delivers (Announce{Create{Note}}, public for a public group).
func (h *Handler) groupOutboxItems(r *http.Request, g *store.Group, objs []*store.Object) ([]json.RawMessage, error) {
	creates, err := h.creates(r, objs)
	if err != nil {
		return nil, err
	}
	to, cc := ap.IRIs(g.MembersURI), ap.IRIs(g.Followers)
	if g.Visibility == store.VisibilityPublic {
		to = vocab.ItemCollection{vocab.PublicNS}
	}
	items := make([]json.RawMessage, 0, len(objs))
	for i, o := range objs {
		announce := ap.NewActivity(vocab.AnnounceType, groupOutboxID(g, o), g.URI, vocab.IRI(ap.CreateID(o.URI)), to, cc)
		announce.Audience = ap.IRIs(g.URI)
		announce.Published = o.Published.UTC()
		item, err := ap.Embedded(announce, map[string]any{"object": creates[i]})
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, nil
}

// creates are the Create activities of posts, as ap.CreateDocument writes
// them.
func (h *Handler) creates(r *http.Request, objs []*store.Object) ([]json.RawMessage, error) {
	rows, err := h.Store.NoteRowsOf(r.Context(), objs)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(rows))
	for _, n := range rows {
		_, raw, err := h.Links.CreateDocument(n)
		if err != nil {
			return nil, err
		}
		out = append(out, raw)
	}
	return out, nil
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
	items, err := h.creates(r, objs)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	last := nextAfter(objs)
	h.writeItems(w, ap.CollectionPage(a.Outbox, r.URL.Query().Get("after"), nil, last), items)
}

// nextAfter is the cursor of the page after a full one of objs, newest
// first; 0 after the last page.
func nextAfter(objs []*store.Object) int64 {
	if len(objs) < ap.CollectionPageSize {
		return 0
	}
	return objs[len(objs)-1].ID
}
