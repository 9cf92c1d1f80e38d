package client

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

type skillSuggestionJSON struct {
	Skill string  `json:"skill"`
	Score float64 `json:"score"`
}

// apiSkillSuggestions lists the skills the caller's own words point to.
func (api *API) apiSkillSuggestions(w http.ResponseWriter, r *http.Request) {
	list, err := api.Outbox.SkillSuggestions(r.Context(), auth.Account(r))
	if err != nil {
		respond.Fail(w, err)
		return
	}
	out := make([]skillSuggestionJSON, 0, len(list))
	for _, s := range list {
		out = append(out, skillSuggestionJSON{Skill: s.Label, Score: s.Score})
	}
	respond.JSON(w, http.StatusOK, out)
}

// apiAnswerSkill accepts or dismisses one suggestion (404 when the skill is
// not one of the caller's suggestions); it answers with the caller's skills.
func (api *API) apiAnswerSkill(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		acct := auth.Account(r)
		skill := chi.URLParam(r, "skill")
		var err error
		if accept {
			err = api.Outbox.AcceptSkill(r.Context(), acct, skill)
		} else {
			err = api.Outbox.DismissSkill(r.Context(), acct, skill)
		}
		if err != nil {
			respond.Fail(w, err)
			return
		}
		skills, err := api.Store.Skills(r.Context(), acct.ActorID)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		if skills == nil {
			skills = []string{}
		}
		respond.JSON(w, http.StatusOK, map[string]any{"skills": skills})
	}
}
