package client

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// tagEntityJSON is Mastodon's Tag entity.
type tagEntityJSON struct {
	Name      string       `json:"name"`
	URL       string       `json:"url"`
	History   []tagDayJSON `json:"history"`
	Following *bool        `json:"following,omitempty"`
}

type tagDayJSON struct {
	Day      string `json:"day"`
	Uses     string `json:"uses"`
	Accounts string `json:"accounts"`
}

// tagFromPath reads the hashtag in the path; a name that cannot be one is
// a 404.
func tagFromPath(w http.ResponseWriter, r *http.Request, param string) (string, bool) {
	raw := chi.URLParam(r, param)
	if unescaped, err := url.PathUnescape(raw); err == nil {
		raw = unescaped
	}
	name := store.NormaliseTag(raw)
	if !store.ValidTag(name) {
		respond.Error(w, http.StatusNotFound, "no such hashtag")
		return "", false
	}
	return name, true
}

func (api *API) tagEntity(r *http.Request, name string, withHistory bool) (tagEntityJSON, error) {
	out := tagEntityJSON{Name: name, URL: api.Links.Tag(url.PathEscape(name)), History: []tagDayJSON{}}
	if withHistory {
		days, err := api.Store.TagHistory(r.Context(), name)
		if err != nil {
			return out, err
		}
		for _, d := range days {
			out.History = append(out.History, tagDayJSON{Day: strconv.FormatInt(d.Day.Unix(), 10),
				Uses: strconv.FormatInt(d.Uses, 10), Accounts: strconv.FormatInt(d.Accounts, 10)})
		}
	}
	if acct := auth.Account(r); acct != nil {
		follows, err := api.Store.FollowsTags(r.Context(), acct.ActorID, []string{name})
		if err != nil {
			return out, err
		}
		on := follows[name]
		out.Following = &on
	}
	return out, nil
}

// apiTag is GET /api/v1/tags/:name.
func (api *API) apiTag(w http.ResponseWriter, r *http.Request) {
	name, ok := tagFromPath(w, r, "name")
	if !ok {
		return
	}
	t, err := api.tagEntity(r, name, true)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, t)
}

// apiFollowTag is POST /api/v1/tags/:name/follow (and unfollow): the
// hashtag's public posts then show in the home timeline.
func (api *API) apiFollowTag(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, ok := tagFromPath(w, r, "name")
		if !ok {
			return
		}
		if err := api.Store.SetTagFollow(r.Context(), auth.Account(r).ActorID, name, on); err != nil {
			respond.Fail(w, err)
			return
		}
		t, err := api.tagEntity(r, name, true)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		respond.JSON(w, http.StatusOK, t)
	}
}

// apiFollowedTags is GET /api/v1/followed_tags.
func (api *API) apiFollowedTags(w http.ResponseWriter, r *http.Request) {
	p, ok := pageFrom(w, r)
	if !ok {
		return
	}
	list, err := api.Store.FollowedTags(r.Context(), auth.Account(r).ActorID, p)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	following := true
	out := make([]tagEntityJSON, 0, len(list))
	for _, t := range list {
		out = append(out, tagEntityJSON{Name: t.Name, URL: api.Links.Tag(url.PathEscape(t.Name)), History: []tagDayJSON{},
			Following: &following})
	}
	if len(list) > 0 {
		api.setLinks(w, r, list[0].ID, list[len(list)-1].ID)
	}
	respond.JSON(w, http.StatusOK, out)
}
