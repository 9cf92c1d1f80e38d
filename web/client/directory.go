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
	respond.JSON(w, http.StatusOK, api.accountList(r, people))
}
