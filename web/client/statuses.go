package client

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

type statusInput struct {
	Status      string   `json:"status"`
	Visibility  string   `json:"visibility"`
	InReplyToID string   `json:"in_reply_to_id"`
	GroupID     string   `json:"group_id"`
	SpoilerText *string  `json:"spoiler_text"`
	Sensitive   *bool    `json:"sensitive"`
	Language    string   `json:"language"`
	MediaIDs    []string `json:"media_ids"`
}

func (api *API) apiPostStatus(w http.ResponseWriter, r *http.Request) {
	var in statusInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	nn := outbox.NewNote{Text: in.Status, Visibility: in.Visibility, Language: in.Language}
	var err error
	if nn.MediaIDs, err = checkMediaIDs(in.MediaIDs); err != nil {
		respond.Fail(w, err)
		return
	}
	// What the post does not say, the author's preferences do
	// (update_credentials' source).
	prefs, err := api.Store.PreferencesFor(r.Context(), auth.Account(r).ActorID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if nn.Visibility == "" && in.GroupID == "" {
		nn.Visibility = prefs.DefaultVisibility
	}
	if nn.Language == "" {
		nn.Language = prefs.DefaultLanguage
	}
	nn.Sensitive = prefs.DefaultSensitive
	if in.SpoilerText != nil {
		nn.SpoilerText = *in.SpoilerText
	}
	if in.Sensitive != nil {
		nn.Sensitive = *in.Sensitive
	}
	if in.InReplyToID != "" {
		id, ok := respond.ParseID(in.InReplyToID)
		if !ok {
			respond.Error(w, http.StatusUnprocessableEntity, "in_reply_to_id: no such status")
			return
		}
		nn.InReplyToID = id
	}
	if in.GroupID != "" {
		id, ok := respond.ParseID(in.GroupID)
		if !ok {
			respond.Fail(w, respond.InvalidField("group_id", "no such group"))
			return
		}
		nn.GroupID = id
	}
	author, err := api.Store.ActorByID(r.Context(), auth.Account(r).ActorID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	obj, err := api.Outbox.CreateNote(r.Context(), author, nn)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.statusEntity(r, obj))
}

// visibleStatus loads the status in the path when the caller may read it;
// anything else is a 404, so that a hidden post is not disclosed.
func (api *API) visibleStatus(w http.ResponseWriter, r *http.Request) (*store.Object, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "no such status")
		return nil, false
	}
	o, err := api.Store.ObjectByID(r.Context(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		respond.Fail(w, err)
		return nil, false
	}
	if err != nil || o.DeletedAt != nil || !api.statusVisible(r, o) {
		respond.Error(w, http.StatusNotFound, "no such status")
		return nil, false
	}
	return o, true
}

func (api *API) apiStatus(w http.ResponseWriter, r *http.Request) {
	if o, ok := api.visibleStatus(w, r); ok {
		respond.JSON(w, http.StatusOK, api.statusEntity(r, o))
	}
}

// statusVisible applies the node's one reading rule to the API caller.
func (api *API) statusVisible(r *http.Request, o *store.Object) bool {
	ok, err := api.Store.CanSee(r.Context(), o, viewerID(r))
	return err == nil && ok
}

// apiStatusContext is GET /api/v1/statuses/:id/context: what the post
// answers, up its chain, and its replies to any depth, each only when the
// caller may read it.
func (api *API) apiStatusContext(w http.ResponseWriter, r *http.Request) {
	o, ok := api.visibleStatus(w, r)
	if !ok {
		return
	}
	ancestors, err := api.Store.Ancestors(r.Context(), o, viewerID(r))
	if err != nil {
		respond.Fail(w, err)
		return
	}
	descendants, err := api.Store.Descendants(r.Context(), o, viewerID(r))
	if err != nil {
		respond.Fail(w, err)
		return
	}
	all := api.statusEntities(r, append(append([]*store.Object{}, ancestors...), descendants...))
	respond.JSON(w, http.StatusOK, map[string][]statusJSON{"ancestors": all[:len(ancestors)], "descendants": all[len(ancestors):]})
}

// apiStatusSource is GET /api/v1/statuses/:id/source: what the author
// typed, for editing; the author's own posts only.
func (api *API) apiStatusSource(w http.ResponseWriter, r *http.Request) {
	o, ok := api.visibleStatus(w, r)
	if !ok {
		return
	}
	if o.AttributedTo != auth.Account(r).ActorID {
		respond.Error(w, http.StatusNotFound, "no such status")
		return
	}
	text, err := api.Store.NoteSource(r.Context(), o.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]string{"id": strconv.FormatInt(o.ID, 10), "text": text,
		"spoiler_text": o.Summary})
}

// statusEditJSON is Mastodon's StatusEdit.
type statusEditJSON struct {
	Content          string      `json:"content"`
	SpoilerText      string      `json:"spoiler_text"`
	Sensitive        bool        `json:"sensitive"`
	CreatedAt        time.Time   `json:"created_at"`
	Account          accountJSON `json:"account"`
	MediaAttachments []any       `json:"media_attachments"`
	Emojis           []any       `json:"emojis"`
}

// apiStatusHistory is GET /api/v1/statuses/:id/history: every version, the
// first one first and the current one last.
func (api *API) apiStatusHistory(w http.ResponseWriter, r *http.Request) {
	o, ok := api.visibleStatus(w, r)
	if !ok {
		return
	}
	edits, err := api.Store.StatusEdits(r.Context(), o.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	account := api.accountEntity(r.Context(), o.Author)
	current := store.StatusEdit{Content: o.Content, Summary: o.Summary, Sensitive: o.Sensitive, CreatedAt: o.Published}
	if o.Updated != nil {
		current.CreatedAt = *o.Updated
	}
	out := make([]statusEditJSON, 0, len(edits)+1)
	for _, e := range append(edits, current) {
		out = append(out, statusEditJSON{Content: e.Content, SpoilerText: e.Summary, Sensitive: e.Sensitive,
			CreatedAt: e.CreatedAt.UTC(), Account: account, MediaAttachments: []any{}, Emojis: []any{}})
	}
	respond.JSON(w, http.StatusOK, out)
}

// apiStatusLikers lists who favourited (or reblogged) a post, paged on the
// like (or share) ids as Mastodon pages them.
func (api *API) apiStatusLikers(shares bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, ok := api.visibleStatus(w, r)
		if !ok {
			return
		}
		p, ok := pageFrom(w, r)
		if !ok {
			return
		}
		var list []store.Liker
		var err error
		if shares {
			list, err = api.Store.SharersOf(r.Context(), o.URI, p)
		} else {
			list, err = api.Store.LikersOf(r.Context(), o.ID, p)
		}
		if err != nil {
			respond.Fail(w, err)
			return
		}
		actors := map[int64]*store.Actor{}
		for _, l := range list {
			actors[l.Actor.ID] = l.Actor
		}
		accounts := api.accountEntities(r.Context(), actors)
		out := make([]accountJSON, 0, len(list))
		for _, l := range list {
			out = append(out, accounts[l.Actor.ID])
		}
		if len(list) > 0 {
			api.setLinks(w, r, list[0].MarkID, list[len(list)-1].MarkID)
		}
		respond.JSON(w, http.StatusOK, out)
	}
}

func (api *API) ownStatusID(w http.ResponseWriter, r *http.Request) (int64, *store.Actor, bool) {
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	if !ok {
		respond.Error(w, http.StatusNotFound, "no such status")
		return 0, nil, false
	}
	me, ok := api.meOrFail(w, r)
	return id, me, ok
}

// apiEditStatus is Mastodon's PUT /api/v1/statuses/:id.
func (api *API) apiEditStatus(w http.ResponseWriter, r *http.Request) {
	id, me, ok := api.ownStatusID(w, r)
	if !ok {
		return
	}
	var in statusInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	edit := outbox.NoteEdit{Text: in.Status, SpoilerText: in.SpoilerText, Sensitive: in.Sensitive, Language: in.Language}
	if in.MediaIDs != nil {
		ids, err := checkMediaIDs(in.MediaIDs)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		edit.MediaIDs = &ids
	}
	obj, err := api.Outbox.UpdateNote(r.Context(), me, id, edit)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.statusEntity(r, obj))
}

// apiDeleteStatus deletes a post and answers with it and the text it was
// written from, as Mastodon does (apps offer "delete and redraft").
func (api *API) apiDeleteStatus(w http.ResponseWriter, r *http.Request) {
	id, me, ok := api.ownStatusID(w, r)
	if !ok {
		return
	}
	obj, err := api.Store.ObjectByID(r.Context(), id)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	if obj.AttributedTo != me.ID && obj.GroupID != nil {
		if api.deleteStatusAsModerator(w, r, id) {
			return
		}
	}
	text, err := api.Store.NoteSource(r.Context(), id)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	st := api.statusEntity(r, obj)
	if err := api.Outbox.DeleteNote(r.Context(), me, id); err != nil {
		respond.Fail(w, err)
		return
	}
	st.Text = &text
	respond.JSON(w, http.StatusOK, st)
}

// deleteStatusAsModerator is the DELETE of a post one did not write: allowed
// to the animators of the post's local group.
func (api *API) deleteStatusAsModerator(w http.ResponseWriter, r *http.Request, id int64) bool {
	err := api.Outbox.DeleteInGroup(r.Context(), auth.Account(r), id)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		respond.Fail(w, err)
		return true
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte("{}\n"))
	return true
}

// apiReblog shares a public post with one's followers, or takes the share
// back (Mastodon's reblog and unreblog). A reblog answers with the new
// status that wraps the shared one, an unreblog with the shared one.
func (api *API) apiReblog(on bool) http.HandlerFunc {
	return api.statusToggle(func(ctx context.Context, me *store.Actor, id int64, on bool) (*store.Object, error) {
		obj, err := api.Outbox.Share(ctx, me, id, on)
		if err != nil || !on {
			return obj, err
		}
		return api.Store.ShareOf(ctx, me.ID, obj.URI)
	}, on)
}

func (api *API) apiFavourite(on bool) http.HandlerFunc { return api.statusToggle(api.Outbox.Like, on) }

func (api *API) apiBookmark(on bool) http.HandlerFunc {
	return api.statusToggle(func(ctx context.Context, me *store.Actor, id int64, on bool) (*store.Object, error) {
		return nil, api.Store.SetBookmark(ctx, me.ID, id, on)
	}, on)
}

func (api *API) apiPin(on bool) http.HandlerFunc { return api.statusToggle(api.Outbox.Pin, on) }

// statusToggle runs a yes-or-no action of the caller on a status it can see
// (favourite, reblog, bookmark, pin) and answers with the status the action
// returns, or the one it was about.
func (api *API) statusToggle(act func(context.Context, *store.Actor, int64, bool) (*store.Object, error), on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		obj, ok := api.visibleStatus(w, r)
		if !ok {
			return
		}
		if obj.Type == store.ShareType {
			// An action on a reblog is on the post it carries, as in Mastodon.
			shared, err := api.Store.ObjectByURI(r.Context(), obj.URL)
			if err != nil || shared.DeletedAt != nil || !api.statusVisible(r, shared) {
				respond.Error(w, http.StatusNotFound, "no such status")
				return
			}
			obj = shared
		}
		me, ok := api.meOrFail(w, r)
		if !ok {
			return
		}
		answer, err := act(r.Context(), me, obj.ID, on)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		if answer == nil {
			answer = obj
		}
		respond.JSON(w, http.StatusOK, api.statusEntity(r, answer))
	}
}

// apiMarkedStatuses lists the reader's favourites or bookmarks, paged on
// the favourite or bookmark ids (Mastodon's Link header carries those).
func (api *API) apiMarkedStatuses(list func(context.Context, int64, store.Page) ([]store.Marked, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := pageFrom(w, r)
		if !ok {
			return
		}
		marked, err := list(r.Context(), auth.Account(r).ActorID, p)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		objs := make([]*store.Object, 0, len(marked))
		for _, m := range marked {
			objs = append(objs, m.Object)
		}
		if len(marked) > 0 {
			api.setLinks(w, r, marked[0].MarkID, marked[len(marked)-1].MarkID)
		}
		visible, err := api.Store.VisibleAmong(r.Context(), auth.Account(r).ActorID, ids(objs))
		if err != nil {
			respond.Fail(w, err)
			return
		}
		shown := objs[:0]
		for _, o := range objs {
			if visible[o.ID] {
				shown = append(shown, o)
			}
		}
		respond.JSON(w, http.StatusOK, api.statusEntities(r, shown))
	}
}

func ids(objs []*store.Object) []int64 {
	out := make([]int64, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.ID)
	}
	return out
}
