package client

import (
	"net/http"
	"strconv"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// writeStatusPage writes statuses with Mastodon's Link header.
func (api *API) writeStatusPage(w http.ResponseWriter, r *http.Request, objs []*store.Object) {
	if len(objs) > 0 {
		api.setLinks(w, r, objs[0].ID, objs[len(objs)-1].ID)
	}
	respond.JSON(w, http.StatusOK, api.statusEntities(r, objs))
}

func (api *API) apiHomeTimeline(w http.ResponseWriter, r *http.Request) {
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	objs, err := api.Store.HomeTimeline(r.Context(), auth.Account(r).ActorID, p)
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
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	objs, err := api.Store.GroupTimelineFor(r.Context(), g.ID, viewerID(r), p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.writeStatusPage(w, r, objs)
}

// boolParam reads a Mastodon boolean parameter ("true", "1").
func boolParam(r *http.Request, name string) bool {
	v := r.URL.Query().Get(name)
	return v == "true" || v == "1"
}

// timelineFilter reads local, remote and only_media.
func timelineFilter(r *http.Request) (store.TimelineFilter, bool) {
	f := store.TimelineFilter{LocalOnly: boolParam(r, "local"), RemoteOnly: boolParam(r, "remote"),
		OnlyMedia: boolParam(r, "only_media"), ViewerID: viewerID(r)}
	return f, true
}

// apiPublicTimeline is GET /api/v1/timelines/public: the public posts of
// this node and of those it knows, as anyone may read them.
func (api *API) apiPublicTimeline(w http.ResponseWriter, r *http.Request) {
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	f, some := timelineFilter(r)
	api.writePublicPage(w, r, f, p, some)
}

// apiTagTimeline is GET /api/v1/timelines/tag/:hashtag, with any[], all[]
// and none[] as Mastodon takes them.
func (api *API) apiTagTimeline(w http.ResponseWriter, r *http.Request) {
	name, ok := tagFromPath(w, r, "hashtag")
	if !ok {
		return
	}
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	f, some := timelineFilter(r)
	f.WithReplies = true
	f.AnyTags = append([]string{name}, listParam(r, "any")...)
	f.AllTags, f.NoneTags = listParam(r, "all"), listParam(r, "none")
	for _, list := range [][]string{f.AnyTags, f.AllTags, f.NoneTags} {
		for _, t := range list {
			if !store.ValidTag(store.NormaliseTag(t)) {
				respond.Fail(w, respond.InvalidField("any", "not a hashtag: "+strconv.Quote(t)))
				return
			}
		}
	}
	if len(f.AnyTags)+len(f.AllTags)+len(f.NoneTags) > maxTagsInQuery {
		respond.Fail(w, respond.InvalidField("any", "at most "+strconv.Itoa(maxTagsInQuery)+" hashtags"))
		return
	}
	api.writePublicPage(w, r, f, p, some)
}

// writePublicPage answers with a page of public posts (none when the
// filter can match nothing).
func (api *API) writePublicPage(w http.ResponseWriter, r *http.Request, f store.TimelineFilter, p store.Page, some bool) {
	var objs []*store.Object
	if some {
		var err error
		if objs, err = api.Store.PublicTimeline(r.Context(), f, p); err != nil {
			respond.Fail(w, err)
			return
		}
	}
	api.writeStatusPage(w, r, objs)
}

// maxTagsInQuery bounds the hashtags of one tag timeline query.
const maxTagsInQuery = 10
