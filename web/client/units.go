package client

import (
	"net/http"

	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

func (api *API) apiUnits(w http.ResponseWriter, r *http.Request) {
	units, err := api.Store.Units(r.Context())
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, units)
}

type unitInput struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	ParentID *int64 `json:"parent_id"`
}

func (api *API) apiCreateUnit(w http.ResponseWriter, r *http.Request) {
	var in unitInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	u, err := api.Accounts.CreateUnit(r.Context(), auth.Account(r), in.Name, in.Kind, in.ParentID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, u)
}
