package client

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/web/auth"
	"github.com/archipel-social/archipel/web/respond"
)

// adminAccountJSON is Mastodon's Admin::Account, plus Archipel's tier.
type adminAccountJSON struct {
	ID            string      `json:"id"`
	Username      string      `json:"username"`
	Domain        *string     `json:"domain"`
	CreatedAt     time.Time   `json:"created_at"`
	Email         string      `json:"email"`
	IP            *string     `json:"ip"`
	IPs           []any       `json:"ips"`
	Role          roleJSON    `json:"role"`
	Confirmed     bool        `json:"confirmed"`
	Suspended     bool        `json:"suspended"`
	Silenced      bool        `json:"silenced"`
	Disabled      bool        `json:"disabled"`
	Approved      bool        `json:"approved"`
	Locale        string      `json:"locale"`
	InviteRequest *string     `json:"invite_request"`
	Account       accountJSON `json:"account"`
	Tier          string      `json:"tier"`
	UnitID        *int64      `json:"unit_id"`
}

// roleJSON is Mastodon's Role, named after Archipel's node roles.
type roleJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Permissions string `json:"permissions"`
	Highlighted bool   `json:"highlighted"`
}

// Mastodon's permission bits: 1 = administrator; a unit admin manages users (1024).
var roles = map[string]roleJSON{
	store.RoleAdmin:     {ID: "3", Name: store.RoleAdmin, Permissions: "1", Highlighted: true},
	store.RoleUnitAdmin: {ID: "2", Name: store.RoleUnitAdmin, Permissions: "1024", Highlighted: true},
	store.RoleMember:    {ID: "-99", Name: store.RoleMember, Permissions: "0"},
}

func (api *API) adminAccountEntity(ctx context.Context, acct *store.Account) (adminAccountJSON, error) {
	actor, err := api.Store.ActorByID(ctx, acct.ActorID)
	if err != nil {
		return adminAccountJSON{}, err
	}
	out := adminAccountJSON{ID: strconv.FormatInt(actor.ID, 10), Username: acct.Username, CreatedAt: acct.CreatedAt,
		Email: acct.Email, IPs: []any{}, Role: roles[acct.Role], Confirmed: acct.ConfirmedAt != nil,
		Approved: acct.ApprovedAt != nil, Locale: acct.Locale, Account: api.accountEntity(ctx, actor), Tier: acct.Tier, UnitID: acct.UnitID}
	if acct.LastSignInIP != "" {
		ip := acct.LastSignInIP
		out.IP = &ip
	}
	if acct.RegistrationReason != "" {
		reason := acct.RegistrationReason
		out.InviteRequest = &reason
	}
	return out, nil
}

// apiAdminAccounts is Mastodon's GET /api/v1/admin/accounts: the node admin
// sees every account, a unit admin those of its units; ?username= and
// ?email= find one, ?pending=true lists sign-ups awaiting approval.
func (api *API) apiAdminAccounts(w http.ResponseWriter, r *http.Request) {
	me := auth.Account(r)
	if me.Role == store.RoleMember {
		respond.Fail(w, accounts.ErrForbidden)
		return
	}
	q := r.URL.Query()
	f := store.AccountFilter{Username: q.Get("username"), Email: q.Get("email"), Pending: q.Get("pending") == "true"}
	if v := q.Get("max_id"); v != "" {
		id, ok := respond.ParseID(v)
		if !ok {
			respond.Fail(w, respond.InvalidField("max_id", "not an id"))
			return
		}
		// max_id is an actor id, like every account id of the API.
		if a, err := api.Store.AccountByActorID(r.Context(), id); err == nil {
			f.MaxID = a.ID
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			respond.Fail(w, respond.InvalidField("limit", "a positive number"))
			return
		}
		f.Limit = min(n, 200)
	}
	list, err := api.Store.FilterAccounts(r.Context(), f)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	out := []adminAccountJSON{}
	for _, acct := range list {
		if ok, err := api.Accounts.CanManage(r.Context(), me, acct); err != nil {
			respond.Fail(w, err)
			return
		} else if !ok {
			continue
		}
		e, err := api.adminAccountEntity(r.Context(), acct)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		out = append(out, e)
	}
	respond.JSON(w, http.StatusOK, out)
}

// apiAdminAccount is one account in the admin shape.
func (api *API) apiAdminAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := api.accountFromPath(w, r)
	if !ok {
		return
	}
	target, err := api.Store.AccountByActorID(r.Context(), a.ID)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	me := auth.Account(r)
	if ok, err := api.Accounts.CanManage(r.Context(), me, target); err != nil || !ok || me.Role == store.RoleMember {
		respond.Fail(w, orForbidden(err))
		return
	}
	e, err := api.adminAccountEntity(r.Context(), target)
	if err != nil {
		respond.Fail(w, err)
		return
	}
	respond.JSON(w, http.StatusOK, e)
}

// apiAdminApprove answers a sign-up awaiting approval (Mastodon's
// /admin/accounts/:id/approve and /reject).
func (api *API) apiAdminApprove(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := api.accountFromPath(w, r)
		if !ok {
			return
		}
		target, err := api.Store.AccountByActorID(r.Context(), a.ID)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		if !approve {
			if err := api.Accounts.RejectSignUp(r.Context(), auth.Account(r), target.ID); err != nil {
				respond.Fail(w, err)
				return
			}
			respond.JSON(w, http.StatusOK, map[string]string{"id": strconv.FormatInt(a.ID, 10), "username": target.Username})
			return
		}
		if err := api.Accounts.ApproveSignUp(r.Context(), auth.Account(r), target.ID); err != nil {
			respond.Fail(w, err)
			return
		}
		updated, err := api.Store.AccountByID(r.Context(), target.ID)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		e, err := api.adminAccountEntity(r.Context(), updated)
		if err != nil {
			respond.Fail(w, err)
			return
		}
		respond.JSON(w, http.StatusOK, e)
	}
}
