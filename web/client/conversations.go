package client

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// Mastodon's conversations: direct messages as threads
// (/api/v1/conversations, read, delete).

// conversationJSON is Mastodon's Conversation entity.
type conversationJSON struct {
	ID         string        `json:"id"`
	Unread     bool          `json:"unread"`
	Accounts   []accountJSON `json:"accounts"`
	LastStatus *statusJSON   `json:"last_status"`
}

// conversationEntities converts a page of conversations: participants and
// latest posts in a few queries.
func (api *API) conversationEntities(r *http.Request, viewer int64, convs []store.Conversation) ([]conversationJSON, error) {
	roots := make([]string, 0, len(convs))
	lastIDs := make([]int64, 0, len(convs))
	for _, c := range convs {
		roots, lastIDs = append(roots, c.RootURI), append(lastIDs, c.LastID)
	}
	people, err := api.Store.ConversationParticipants(r.Context(), viewer, roots)
	if err != nil {
		return nil, err
	}
	lasts, err := api.Store.ObjectsByIDs(r.Context(), lastIDs)
	if err != nil {
		return nil, err
	}
	objs := make([]*store.Object, 0, len(lasts))
	for _, id := range lastIDs {
		if o := lasts[id]; o != nil {
			objs = append(objs, o)
		}
	}
	statuses := map[string]statusJSON{}
	for _, st := range api.statusEntities(r, objs) {
		statuses[st.ID] = st
	}
	out := make([]conversationJSON, 0, len(convs))
	for _, c := range convs {
		e := conversationJSON{ID: strconv.FormatInt(c.RootID, 10), Unread: c.Unread, Accounts: api.accountList(r, people[c.RootURI])}
		if st, ok := statuses[strconv.FormatInt(c.LastID, 10)]; ok {
			e.LastStatus = &st
		}
		out = append(out, e)
	}
	return out, nil
}

func (api *API) apiConversations(w http.ResponseWriter, r *http.Request) {
	me, p, ok := api.mePage(w, r)
	if !ok {
		return
	}
	convs, err := api.Store.Conversations(r.Context(), me.ID, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	out, err := api.conversationEntities(r, me.ID, convs)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if len(convs) > 0 {
		api.setLinks(w, r, convs[0].LastID, convs[len(convs)-1].LastID)
	}
	respond.JSON(w, http.StatusOK, out)
}

// apiMarkConversation is POST /conversations/:id/read and DELETE
// /conversations/:id (which removes it from the list until a new message;
// the messages stay).
func (api *API) apiMarkConversation(remove bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		me, ok := api.meOrFail(w, r)
		if !ok {
			return
		}
		id, ok := respond.ParseID(chi.URLParam(r, "id"))
		c, err := store.Conversation{}, store.ErrNotFound
		if ok {
			c, err = api.Store.ConversationOf(r.Context(), me.ID, id)
		}
		if errors.Is(err, store.ErrNotFound) {
			respond.Error(w, http.StatusNotFound, "no such conversation")
			return
		} else if err != nil {
			respond.Fail(w, err)
			return
		}
		if err := api.Store.MarkConversation(r.Context(), me.ID, c.RootURI, remove); err != nil {
			respond.Fail(w, err)
			return
		}
		if remove {
			respond.JSON(w, http.StatusOK, map[string]any{})
			return
		}
		c.Unread = false
		out, err := api.conversationEntities(r, me.ID, []store.Conversation{c})
		if err != nil {
			respond.Fail(w, err)
			return
		}
		respond.JSON(w, http.StatusOK, out[0])
	}
}
