package client

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

// Mastodon's lists: /api/v1/lists (CRUD), /lists/:id/accounts,
// /timelines/list/:id and /accounts/:id/lists.

// listJSON is Mastodon's List entity.
type listJSON struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	RepliesPolicy string `json:"replies_policy"`
	Exclusive     bool   `json:"exclusive"`
}

func listEntity(l *store.List) listJSON {
	return listJSON{ID: strconv.FormatInt(l.ID, 10), Title: l.Title, RepliesPolicy: l.RepliesPolicy, Exclusive: l.Exclusive}
}

func listEntities(lists []*store.List) []listJSON {
	out := make([]listJSON, 0, len(lists))
	for _, l := range lists {
		out = append(out, listEntity(l))
	}
	return out
}

// maxListTitle bounds a list's title, in characters.
const maxListTitle = 200

type listInput struct {
	Title         *string `json:"title"`
	RepliesPolicy *string `json:"replies_policy"`
	Exclusive     *bool   `json:"exclusive"`
}

// apply validates the input onto a list.
func (in listInput) apply(l *store.List) error {
	if in.Title != nil {
		l.Title = strings.TrimSpace(*in.Title)
	}
	if l.Title == "" || utf8.RuneCountInString(l.Title) > maxListTitle {
		return respond.InvalidField("title", "from 1 to "+strconv.Itoa(maxListTitle)+" characters")
	}
	if in.RepliesPolicy != nil {
		switch *in.RepliesPolicy {
		case store.RepliesFollowed, store.RepliesList, store.RepliesNone:
			l.RepliesPolicy = *in.RepliesPolicy
		default:
			return respond.InvalidField("replies_policy", "one of followed, list, none")
		}
	}
	if in.Exclusive != nil {
		l.Exclusive = *in.Exclusive
	}
	return nil
}

func (api *API) apiLists(w http.ResponseWriter, r *http.Request) {
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	lists, err := api.Store.Lists(r.Context(), me.ID, 0)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, listEntities(lists))
}

// apiAccountLists is /accounts/:id/lists: the caller's lists holding that
// account.
func (api *API) apiAccountLists(w http.ResponseWriter, r *http.Request) {
	target, me, ok := api.targetAndMe(w, r)
	if !ok {
		return
	}
	lists, err := api.Store.Lists(r.Context(), me.ID, target.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, listEntities(lists))
}

func (api *API) apiCreateList(w http.ResponseWriter, r *http.Request) {
	me, ok := api.meOrFail(w, r)
	if !ok {
		return
	}
	var in listInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	l := &store.List{OwnerID: me.ID, RepliesPolicy: store.RepliesList}
	if err := in.apply(l); err != nil {
		respond.Fail(w, err)
		return
	}
	if err := api.Store.CreateList(r.Context(), l); errors.Is(err, store.ErrTooManyLists) {
		respond.Fail(w, respond.InvalidField("title", "at most "+strconv.Itoa(store.MaxLists)+" lists"))
		return
	} else if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, listEntity(l))
}

// listFromPath loads one of the caller's lists; another's is a 404.
func (api *API) listFromPath(w http.ResponseWriter, r *http.Request) (*store.List, bool) {
	me, ok := api.meOrFail(w, r)
	if !ok {
		return nil, false
	}
	id, ok := respond.ParseID(chi.URLParam(r, "id"))
	var l *store.List
	err := store.ErrNotFound
	if ok {
		l, err = api.Store.ListOf(r.Context(), me.ID, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		respond.Error(w, http.StatusNotFound, "no such list")
		return nil, false
	} else if err != nil {
		respond.Fail(w, err)
		return nil, false
	}
	return l, true
}

func (api *API) apiList(w http.ResponseWriter, r *http.Request) {
	if l, ok := api.listFromPath(w, r); ok {
		respond.JSON(w, http.StatusOK, listEntity(l))
	}
}

func (api *API) apiUpdateList(w http.ResponseWriter, r *http.Request) {
	l, ok := api.listFromPath(w, r)
	if !ok {
		return
	}
	var in listInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	if err := in.apply(l); err != nil {
		respond.Fail(w, err)
		return
	}
	if err := api.Store.UpdateList(r.Context(), l); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, listEntity(l))
}

func (api *API) apiDeleteList(w http.ResponseWriter, r *http.Request) {
	l, ok := api.listFromPath(w, r)
	if !ok {
		return
	}
	if err := api.Store.DeleteList(r.Context(), l.OwnerID, l.ID); err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{})
}

func (api *API) apiListAccounts(w http.ResponseWriter, r *http.Request) {
	l, ok := api.listFromPath(w, r)
	if !ok {
		return
	}
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	lines, err := api.Store.ListAccounts(r.Context(), l, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.listedAccounts(w, r, lines))
}

// listedAccounts sets the Link header of a page of lines (paged on their
// ids) and converts their accounts.
func (api *API) listedAccounts(w http.ResponseWriter, r *http.Request, lines []store.Listed) []accountJSON {
	actors := make([]*store.Actor, 0, len(lines))
	for _, l := range lines {
		actors = append(actors, l.Actor)
	}
	if len(lines) > 0 {
		api.setLinks(w, r, lines[0].LineID, lines[len(lines)-1].LineID)
	}
	return api.accountList(r, actors)
}

// apiListMembers is POST and DELETE /lists/:id/accounts with account_ids:
// only accounts the caller follows may be added, as on Mastodon.
func (api *API) apiListMembers(add bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, ok := api.listFromPath(w, r)
		if !ok {
			return
		}
		var in struct {
			AccountIDs []string `json:"account_ids"`
		}
		if err := respond.Decode(w, r, &in); err != nil {
			respond.Fail(w, err)
			return
		}
		if len(in.AccountIDs) == 0 && r.URL.Query().Has("account_ids[]") {
			in.AccountIDs = r.URL.Query()["account_ids[]"]
		}
		if len(in.AccountIDs) == 0 || len(in.AccountIDs) > store.MaxPageSize {
			respond.Fail(w, respond.InvalidField("account_ids", "from 1 to "+strconv.Itoa(store.MaxPageSize)+" account ids"))
			return
		}
		ids := make([]int64, 0, len(in.AccountIDs))
		for _, s := range in.AccountIDs {
			id, ok := respond.ParseID(s)
			if !ok {
				respond.Fail(w, respond.InvalidField("account_ids", "not an account id: "+strconv.Quote(s)))
				return
			}
			ids = append(ids, id)
		}
		var err error
		if add {
			var notFollowed int
			if notFollowed, err = api.Store.AddToList(r.Context(), l, ids); err == nil && notFollowed > 0 {
				respond.Fail(w, respond.InvalidField("account_ids", "you must follow an account to add it to a list"))
				return
			}
		} else {
			err = api.Store.RemoveFromList(r.Context(), l, ids)
		}
		if err != nil {
			respond.Fail(w, err)
			return
		}
		respond.JSON(w, http.StatusOK, map[string]any{})
	}
}

func (api *API) apiListTimeline(w http.ResponseWriter, r *http.Request) {
	l, ok := api.listFromPath(w, r)
	if !ok {
		return
	}
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	objs, err := api.Store.ListTimeline(r.Context(), l, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeStatusPage(w, r, objs)
}
