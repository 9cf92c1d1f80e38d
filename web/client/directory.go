package client

import (
	"net/http"
	"strings"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

func (api *API) apiDirectory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, ok := offsetFrom(w, r, 40)
	if !ok {
		return
	}
	skill, text := strings.TrimSpace(q.Get("skill")), strings.TrimSpace(q.Get("q"))
	if len(skill) > 200 || len(text) > 200 {
		respond.Error(w, http.StatusUnprocessableEntity, "query too long")
		return
	}
	people, err := api.Store.Directory(r.Context(), store.DirectoryQuery{Skill: skill, Text: text,
		LocalOnly: q.Get("local") == "true", Limit: limit, Offset: offset})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	api.setOffsetLinks(w, r, offset, limit, len(people))
	if q.Get("active_on_topic") != "true" {
		// The plain list Mastodon clients expect.
		respond.JSON(w, http.StatusOK, api.accountList(r, people))
		return
	}
	// Asked for: the people whose declared skills match, then, ranked
	// lower, those whose readable posts and documents are about the words.
	words := skill
	if words == "" {
		words = text
	}
	exclude := make([]int64, 0, len(people))
	for _, p := range people {
		exclude = append(exclude, p.ID)
	}
	active, err := api.Store.ActiveOnTopic(r.Context(), store.TopicQuery{Text: words, ViewerID: viewerID(r), Exclude: exclude})
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{"accounts": api.accountList(r, people),
		"active_on_topic": api.accountList(r, active)})
}
