package client

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

type accountInput struct {
	Username    string  `json:"username"`
	Email       string  `json:"email"`
	Password    string  `json:"password"`
	DisplayName string  `json:"display_name"`
	Tier        *string `json:"tier"`
	Role        *string `json:"role"`
	UnitID      *int64  `json:"unit_id"`
}

// apiAdminCreateAccount lets the node admin create any account, and a unit
// admin create member accounts in its units.
func (api *API) apiAdminCreateAccount(w http.ResponseWriter, r *http.Request) {
	var in accountInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	role := store.RoleMember
	if in.Role != nil {
		role = *in.Role
	}
	if ok, err := api.Accounts.CanCreateAccount(r.Context(), auth.Account(r), role, in.UnitID); err != nil || !ok {
		respond.Fail(w, orForbidden(err))
		return
	}
	reg := accounts.Registration{Username: in.Username, Email: in.Email, Password: in.Password,
		DisplayName: in.DisplayName, UnitID: in.UnitID}
	if in.Tier != nil {
		reg.Tier = *in.Tier
	}
	if in.Role != nil {
		reg.Role = *in.Role
	}
	_, actor, err := api.Accounts.Register(r.Context(), reg)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, api.accountEntity(r.Context(), actor))
}

func (api *API) apiAdminSetRights(w http.ResponseWriter, r *http.Request) {
	a, ok := api.accountFromPath(w, r)
	if !ok {
		return
	}
	target, err := api.Store.AccountByActorID(r.Context(), a.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	var in accountInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	if err := api.Accounts.SetRights(r.Context(), auth.Account(r), target, accounts.Rights{Tier: in.Tier, Role: in.Role, UnitID: in.UnitID}); err != nil {
		respond.Fail(w, err)
		return
	}
	updated, err := api.Store.AccountByID(r.Context(), target.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, map[string]any{"id": chi.URLParam(r, "id"), "tier": updated.Tier, "role": updated.Role, "unit_id": updated.UnitID})
}

func (api *API) apiTierRules(w http.ResponseWriter, r *http.Request) {
	if auth.Account(r).Role != store.RoleAdmin {
		respond.Fail(w, accounts.ErrForbidden)
		return
	}
	rules, err := api.Store.TierRules(r.Context())
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, rules)
}

type tierRuleInput struct {
	Pattern string `json:"pattern"`
	Tier    string `json:"tier"`
}

func (api *API) apiSetTierRule(w http.ResponseWriter, r *http.Request) {
	var in tierRuleInput
	if err := respond.Decode(w, r, &in); err != nil {
		respond.Fail(w, err)
		return
	}
	rule, err := api.Accounts.SetTierRule(r.Context(), auth.Account(r), in.Pattern, in.Tier)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, rule)
}

func orForbidden(err error) error {
	if err != nil {
		return err
	}
	return accounts.ErrForbidden
}
