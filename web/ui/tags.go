package ui

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/store"
)

// tagPage lists the public posts with a hashtag, newest first: where the
// links of hashtags in posts lead.
func (u *UI) tagPage(w http.ResponseWriter, r *http.Request) {
	raw := chi.URLParam(r, "name")
	if unescaped, err := url.PathUnescape(raw); err == nil {
		raw = unescaped
	}
	name := store.NormaliseTag(raw)
	if !store.ValidTag(name) {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	objs, err := u.Store.PublicTimeline(r.Context(), store.TimelineFilter{WithReplies: true, AnyTags: []string{name}}, pageOf(r))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := u.newView(r, "title.tag", "")
	v.Data = map[string]any{"Name": name, "Feed": u.feedOf(r, objs)}
	u.render(w, http.StatusOK, "tag", v)
}
