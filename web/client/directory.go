package client

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/respond"
)

func (api *API) apiDirectory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	if offset < 0 || offset > 10000 {
		respond.Error(w, http.StatusBadRequest, "offset out of range")
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
	out := make([]accountJSON, 0, len(people))
	for _, a := range people {
		out = append(out, api.accountEntity(r.Context(), a))
	}
	respond.JSON(w, http.StatusOK, out)
}
