package client

import (
	"net/http"
	"strconv"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// pageFrom reads Mastodon's paging parameters.
func pageFrom(r *http.Request) store.Page {
	q := r.URL.Query()
	maxID, _ := strconv.ParseInt(q.Get("max_id"), 10, 64)
	minID, _ := strconv.ParseInt(q.Get("since_id"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	return store.Page{MaxID: maxID, MinID: minID, Limit: limit}
}

// writeStatusPage writes statuses with Mastodon's Link header for the next page.
func (api *API) writeStatusPage(w http.ResponseWriter, r *http.Request, objs []*store.Object) {
	if len(objs) > 0 {
		next := *r.URL
		q := next.Query()
		q.Set("max_id", strconv.FormatInt(objs[len(objs)-1].ID, 10))
		q.Del("since_id")
		next.RawQuery = q.Encode()
		w.Header().Set("Link", `<`+api.Links.Base+next.String()+`>; rel="next"`)
	}
	respond.JSON(w, http.StatusOK, api.statusEntities(r.Context(), objs))
}

func (api *API) apiHomeTimeline(w http.ResponseWriter, r *http.Request) {
	objs, err := api.Store.HomeTimeline(r.Context(), auth.Account(r).ActorID, pageFrom(r))
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeStatusPage(w, r, objs)
}

// apiGroupTimeline lists a group's posts: anyone for a public group, members
// for the others.
func (api *API) apiGroupTimeline(w http.ResponseWriter, r *http.Request) {
	g, m, ok := api.groupForViewer(w, r)
	if !ok {
		return
	}
	if g.Visibility != store.VisibilityPublic && (m == nil || m.State != store.StateAccepted) {
		if auth.Account(r) == nil {
			respond.Error(w, http.StatusUnauthorized, "this group's posts are for its members: sign in")
		} else {
			respond.Error(w, http.StatusForbidden, "this group's posts are for its members")
		}
		return
	}
	objs, err := api.Store.GroupTimeline(r.Context(), g.ID, pageFrom(r))
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeStatusPage(w, r, objs)
}
