package ui

import (
	"errors"
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
	NodeAdmin bool
	Accounts  []adminAccountRow
	Units     []store.Unit
	// ManagedUnits are the units the reader may put accounts and units in.
	ManagedUnits []unitRow
	TierRules    []store.TierRule
	Mode         string
	Domains      []store.Domain
	Deliveries   []store.Delivery
	Counts       map[string]int64
	// SignUps await the node admin's answer (ARCHIPEL_REGISTRATIONS=approval).
	SignUps      []*store.Account
	Registration string
}

const adminListSize = 200

// unitRow is a unit as the admin page lists it: indented under its parent.
type unitRow struct {
	store.Unit
	Indent string
}

// admin is the node admin's and unit admins' page: the accounts they
// manage, new accounts and units; for the node admin also tier rules,
// federation and deliveries.
func (u *UI) admin(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.admin", "admin")
	v.Form = r.URL.Query()
	if e := r.URL.Query().Get("error"); e != "" && v.Has("rule."+e) {
		v.Errors[e] = v.T("rule." + e)
	}
	u.renderAdmin(w, r, v, http.StatusOK)
}

// renderAdmin loads what the reader may manage and shows the page, with the
// view's errors and typed values when a form was refused.
func (u *UI) renderAdmin(w http.ResponseWriter, r *http.Request, v *view, status int) {
	acct := sessionOf(r).Account
	if acct.Role != store.RoleAdmin && acct.Role != store.RoleUnitAdmin {
		u.fail(w, r, accounts.ErrForbidden)
		return
	}
	ctx := r.Context()
	d := adminData{NodeAdmin: acct.Role == store.RoleAdmin}
	var list []*store.Account
	var mine []int64 // the unit admin's units
	var err error
	if d.NodeAdmin {
		list, err = u.Store.AllAccounts(ctx, adminListSize)
	} else if acct.UnitID != nil {
		if mine, err = u.Store.UnitSubtree(ctx, *acct.UnitID); err == nil {
			list, err = u.Store.AccountsInUnits(ctx, mine)
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
	depth := map[int64]int{}
	managed := map[int64]bool{}
	for _, id := range mine {
		managed[id] = true
	}
	for _, un := range d.Units {
		names[un.ID] = un.Name
		if un.ParentID != nil {
			depth[un.ID] = depth[*un.ParentID] + 1
		}
		if d.NodeAdmin || managed[un.ID] {
			d.ManagedUnits = append(d.ManagedUnits, unitRow{Unit: un, Indent: strings.Repeat("— ", depth[un.ID])})
		}
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
						if err == nil {
							d.SignUps, err = u.Accounts.SignUpsAwaitingApproval(ctx, acct)
							d.Registration = u.Accounts.RegistrationMode()
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
	v.Data = d
	u.render(w, status, "admin", v)
}

// formUnit reads an optional unit id from a form.
func formUnit(r *http.Request, name string) *int64 {
	id, err := strconv.ParseInt(r.PostFormValue(name), 10, 64)
	if err != nil {
		return nil
	}
	return &id
}

// createAccount lets the node admin create any account and a unit admin a
// member account in one of its units; the tier comes from the e-mail rules
// unless the node admin sets it.
func (u *UI) createAccount(w http.ResponseWriter, r *http.Request) {
	by := sessionOf(r).Account
	f := r.PostForm
	role := store.RoleMember
	if by.Role == store.RoleAdmin && f.Get("new_role") != "" {
		role = f.Get("new_role")
	}
	unit := formUnit(r, "new_unit")
	v := u.newView(r, "title.admin", "admin")
	v.Form = f
	if ok, err := u.Accounts.CanCreateAccount(r.Context(), by, role, unit); err != nil {
		u.fail(w, r, err)
		return
	} else if !ok {
		if by.Role == store.RoleUnitAdmin {
			// A unit admin may only create accounts in its units.
			v.Errors["new_unit"] = v.T("rule.new_unit")
			v.Form.Del("new_password")
			u.renderAdmin(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		u.fail(w, r, accounts.ErrForbidden)
		return
	}
	reg := accounts.Registration{Username: f.Get("new_username"), Email: f.Get("new_email"), Password: f.Get("new_password"),
		DisplayName: strings.TrimSpace(f.Get("new_display_name")), Role: role, UnitID: unit}
	if by.Role == store.RoleAdmin {
		reg.Tier = f.Get("new_tier")
	}
	_, _, err := u.Accounts.Register(r.Context(), reg)
	if err != nil {
		errs, ok := fieldErrors(v.Lang, err)
		if !ok {
			u.fail(w, r, err)
			return
		}
		for field, msg := range errs {
			v.Errors["new_"+field] = msg
		}
		v.Form.Del("new_password")
		u.renderAdmin(w, r, v, http.StatusUnprocessableEntity)
		return
	}
	http.Redirect(w, r, "/admin?notice=account_created#accounts", http.StatusSeeOther)
}

// createUnit adds a unit: anywhere for the node admin, under one of its
// units for a unit admin.
func (u *UI) createUnit(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.admin", "admin")
	v.Form = r.PostForm
	_, err := u.Accounts.CreateUnit(r.Context(), sessionOf(r).Account, strings.TrimSpace(r.PostFormValue("unit_name")),
		r.PostFormValue("unit_kind"), formUnit(r, "unit_parent"))
	var fe *accounts.FieldError
	switch {
	case errors.As(err, &fe):
		v.Errors["unit_"+fe.Field] = v.T("rule.unit_" + fe.Field)
		u.renderAdmin(w, r, v, http.StatusUnprocessableEntity)
		return
	case errors.Is(err, accounts.ErrForbidden) && sessionOf(r).Account.Role == store.RoleUnitAdmin:
		v.Errors["unit_parent"] = v.T("rule.unit_parent")
		u.renderAdmin(w, r, v, http.StatusUnprocessableEntity)
		return
	case err != nil:
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin?notice=unit_created#units", http.StatusSeeOther)
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

// answerSignUp approves or rejects a sign-up awaiting approval; the
// applicant is told by mail.
func (u *UI) answerSignUp(w http.ResponseWriter, r *http.Request) {
	if !u.requireNodeAdmin(w, r) {
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		u.fail(w, r, store.ErrNotFound)
		return
	}
	by := sessionOf(r).Account
	switch chi.URLParam(r, "answer") {
	case "approve":
		err = u.Accounts.ApproveSignUp(r.Context(), by, id)
	case "reject":
		err = u.Accounts.RejectSignUp(r.Context(), by, id)
	default:
		err = store.ErrNotFound
	}
	if _, ok := err.(*accounts.FieldError); err != nil && !ok {
		u.fail(w, r, err)
		return
	}
	backToAdmin(w, r, "signups", "signup_"+chi.URLParam(r, "answer"), err)
}
