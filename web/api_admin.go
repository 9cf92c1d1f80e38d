package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
)

func (s *Server) apiUnits(w http.ResponseWriter, r *http.Request) {
	units, err := s.Store.Units(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, units)
}

type unitInput struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	ParentID *int64 `json:"parent_id"`
}

func (s *Server) apiCreateUnit(w http.ResponseWriter, r *http.Request) {
	var in unitInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	u, err := s.Accounts.CreateUnit(r.Context(), currentAccount(r), in.Name, in.Kind, in.ParentID)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

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
func (s *Server) apiAdminCreateAccount(w http.ResponseWriter, r *http.Request) {
	var in accountInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	role := store.RoleMember
	if in.Role != nil {
		role = *in.Role
	}
	if ok, err := s.Accounts.CanCreateAccount(r.Context(), currentAccount(r), role, in.UnitID); err != nil || !ok {
		writeError(w, orForbidden(err))
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
	_, actor, err := s.Accounts.Register(r.Context(), reg)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.accountEntity(r.Context(), actor))
}

func (s *Server) apiAdminSetRights(w http.ResponseWriter, r *http.Request) {
	a, ok := s.accountFromPath(w, r)
	if !ok {
		return
	}
	target, err := s.Store.AccountByActorID(r.Context(), a.ID)
	if err != nil {
		writeError(w, err)
		return
	}
	var in accountInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	if err := s.Accounts.SetRights(r.Context(), currentAccount(r), target, accounts.Rights{Tier: in.Tier, Role: in.Role, UnitID: in.UnitID}); err != nil {
		writeError(w, err)
		return
	}
	updated, err := s.Store.AccountByID(r.Context(), target.ID)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": chi.URLParam(r, "id"), "tier": updated.Tier, "role": updated.Role, "unit_id": updated.UnitID})
}

func (s *Server) apiTierRules(w http.ResponseWriter, r *http.Request) {
	if currentAccount(r).Role != store.RoleAdmin {
		writeError(w, accounts.ErrForbidden)
		return
	}
	rules, err := s.Store.TierRules(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rules)
}

type tierRuleInput struct {
	Pattern string `json:"pattern"`
	Tier    string `json:"tier"`
}

func (s *Server) apiSetTierRule(w http.ResponseWriter, r *http.Request) {
	var in tierRuleInput
	if err := decodeInput(w, r, &in); err != nil {
		writeError(w, err)
		return
	}
	rule, err := s.Accounts.SetTierRule(r.Context(), currentAccount(r), in.Pattern, in.Tier)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

func orForbidden(err error) error {
	if err != nil {
		return err
	}
	return accounts.ErrForbidden
}
