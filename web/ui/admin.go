package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
)

// adminAccountRow is an account with its rights form.
type adminAccountRow struct {
	*store.Account
	Unit string
}

type adminData struct {
	NodeAdmin  bool
	Accounts   []adminAccountRow
	Units      []store.Unit
	TierRules  []store.TierRule
	Mode       string
	Domains    []store.Domain
	Deliveries []store.Delivery
	Counts     map[string]int64
}

const adminListSize = 200

// admin is the node admin's and unit admins' page: the accounts they
// manage; for the node admin also tier rules, federation and deliveries.
func (u *UI) admin(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	acct := s.Account
	if acct.Role != store.RoleAdmin && acct.Role != store.RoleUnitAdmin {
		u.fail(w, r, accounts.ErrForbidden)
		return
	}
	ctx := r.Context()
	d := adminData{NodeAdmin: acct.Role == store.RoleAdmin}
	var list []*store.Account
	var err error
	if d.NodeAdmin {
		list, err = u.Store.AllAccounts(ctx, adminListSize)
	} else if acct.UnitID != nil {
		var ids []int64
		if ids, err = u.Store.UnitSubtree(ctx, *acct.UnitID); err == nil {
			list, err = u.Store.AccountsInUnits(ctx, ids)
		}
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if d.Units, err = u.Store.Units(ctx); err != nil {
		u.fail(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, un := range d.Units {
		names[un.ID] = un.Name
	}
	for _, a := range list {
		row := adminAccountRow{Account: a}
		if a.UnitID != nil {
			row.Unit = names[*a.UnitID]
		}
		d.Accounts = append(d.Accounts, row)
	}
	if d.NodeAdmin {
		if d.TierRules, err = u.Store.TierRules(ctx); err == nil {
			if d.Mode, err = u.Federator.CurrentMode(ctx); err == nil {
				if d.Domains, err = u.Store.Domains(ctx); err == nil {
					if d.Deliveries, err = u.Store.DeliveriesByState(ctx, store.DeliveryDead, 50); err == nil {
						var failed []store.Delivery
						failed, err = u.Store.DeliveriesByState(ctx, store.DeliveryFailed, 50)
						d.Deliveries = append(d.Deliveries, failed...)
						if err == nil {
							d.Counts, err = u.Store.CountDeliveries(ctx)
						}
					}
				}
			}
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
	}
	v := u.newView(r, "title.admin", "admin")
	v.Form = r.URL.Query()
	if e := r.URL.Query().Get("error"); e != "" && v.Has("rule."+e) {
		v.Errors[e] = v.T("rule." + e)
	}
	v.Data = d
	u.render(w, http.StatusOK, "admin", v)
}

func (u *UI) requireNodeAdmin(w http.ResponseWriter, r *http.Request) bool {
	if sessionOf(r).Account.Role != store.RoleAdmin {
		u.fail(w, r, accounts.ErrForbidden)
		return false
	}
	return true
}

// backToAdmin returns to the admin page, with the field in error and what
// was typed when a rule refused it.
func backToAdmin(w http.ResponseWriter, r *http.Request, anchor, notice string, err error, keep ...string) {
	if fe, ok := err.(*accounts.FieldError); ok {
		q := "?error=" + fe.Field
		for _, k := range keep {
			q += "&" + k + "=" + urlQueryEscape(r.PostFormValue(k))
		}
		http.Redirect(w, r, "/admin"+q+"#"+anchor, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/admin?notice="+notice+"#"+anchor, http.StatusSeeOther)
}

func (u *UI) setTierRule(w http.ResponseWriter, r *http.Request) {
	if !u.requireNodeAdmin(w, r) {
		return
	}
	pattern := strings.TrimSpace(r.PostFormValue("pattern"))
	var err error
	if r.PostFormValue("delete") != "" {
		err = u.Store.DeleteTierRule(r.Context(), pattern)
	} else {
		_, err = u.Accounts.SetTierRule(r.Context(), sessionOf(r).Account, pattern, r.PostFormValue("tier"))
	}
	if _, ok := err.(*accounts.FieldError); err != nil && !ok {
		u.fail(w, r, err)
		return
	}
	backToAdmin(w, r, "tiers", "saved", err, "pattern", "tier")
}

func (u *UI) setFederation(w http.ResponseWriter, r *http.Request) {
	if !u.requireNodeAdmin(w, r) {
		return
	}
	mode := r.PostFormValue("mode")
	if mode != "open" && mode != "allowlist" {
		backToAdmin(w, r, "federation", "", &accounts.FieldError{Field: "mode"})
		return
	}
	if err := u.Store.SetSetting(r.Context(), store.SettingFederationMode, mode); err != nil {
		u.fail(w, r, err)
		return
	}
	backToAdmin(w, r, "federation", "saved", nil)
}

func (u *UI) setDomain(w http.ResponseWriter, r *http.Request) {
	if !u.requireNodeAdmin(w, r) {
		return
	}
	host := strings.ToLower(strings.TrimSpace(r.PostFormValue("host")))
	policy := r.PostFormValue("policy")
	if host == "" || strings.ContainsAny(host, "/@ ") || len(host) > 253 {
		backToAdmin(w, r, "federation", "", &accounts.FieldError{Field: "host"}, "host")
		return
	}
	if policy != store.PolicyAllow && policy != store.PolicyBlock && policy != store.PolicyNone {
		backToAdmin(w, r, "federation", "", &accounts.FieldError{Field: "policy"}, "host")
		return
	}
	if err := u.Store.SetDomainPolicy(r.Context(), host, policy); err != nil {
		u.fail(w, r, err)
		return
	}
	backToAdmin(w, r, "federation", "saved", nil)
}

func (u *UI) retryDeliveries(w http.ResponseWriter, r *http.Request) {
	if !u.requireNodeAdmin(w, r) {
		return
	}
	if _, err := u.Store.RetryDead(r.Context(), strings.ToLower(strings.TrimSpace(r.PostFormValue("host")))); err != nil {
		u.fail(w, r, err)
		return
	}
	backToAdmin(w, r, "deliveries", "retried", nil)
}

// setRights changes an account's tier, role or unit, as accounts.SetRights
// allows the reader.
func (u *UI) setRights(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	target, err := u.Store.AccountByID(r.Context(), id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	var rights accounts.Rights
	if t := r.PostFormValue("tier"); t != "" {
		rights.Tier = &t
	}
	if role := r.PostFormValue("role"); role != "" {
		rights.Role = &role
	}
	if unit, err := strconv.ParseInt(r.PostFormValue("unit"), 10, 64); err == nil {
		rights.UnitID = &unit
	}
	err = u.Accounts.SetRights(r.Context(), sessionOf(r).Account, target, rights)
	if _, ok := err.(*accounts.FieldError); err != nil && !ok {
		u.fail(w, r, err)
		return
	}
	backToAdmin(w, r, "accounts", "saved", err)
}
