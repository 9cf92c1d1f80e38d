package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

func postForm(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

// Delegated administration from the admin page: the node admin creates units
// and accounts anywhere; a unit admin only member accounts and sub-units in
// its own units; a member gets nothing.
func TestAdminUnitsAndAccounts(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	n.CreateUser("nadia", store.TierState, store.RoleAdmin)
	if _, err := n.Store.SetTierRule(ctx, "*.gouv.fr", store.TierState); err != nil {
		t.Fatal(err)
	}
	admin, csrf := signIn(t, n, "nadia")

	// Units: a region, then a department under it.
	res, _ := postForm(t, admin, n.URL+"/admin/units", url.Values{"csrf": {csrf}, "unit_name": {"Grand Est"}, "unit_kind": {"region"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Request.URL.String(), "notice=unit_created") {
		t.Fatalf("create region: %d %s", res.StatusCode, res.Request.URL)
	}
	units, err := n.Store.Units(ctx)
	if err != nil || len(units) != 1 || units[0].Kind != "region" {
		t.Fatalf("units: %+v %v", units, err)
	}
	region := strconv.FormatInt(units[0].ID, 10)
	postForm(t, admin, n.URL+"/admin/units", url.Values{"csrf": {csrf}, "unit_name": {"Moselle"}, "unit_kind": {"department"}, "unit_parent": {region}})
	res, body := postForm(t, admin, n.URL+"/admin/units", url.Values{"csrf": {csrf}, "unit_name": {""}, "unit_kind": {"department"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Le nom du service est obligatoire") {
		t.Errorf("unit without a name: %d", res.StatusCode)
	}
	units, _ = n.Store.Units(ctx)
	if len(units) != 2 {
		t.Fatalf("units after the refusal: %+v", units)
	}
	moselle := strconv.FormatInt(units[1].ID, 10)

	// Accounts: the tier follows the e-mail rules unless the admin sets it.
	res, body = postForm(t, admin, n.URL+"/admin/accounts", url.Values{"csrf": {csrf}, "new_username": {"claire"},
		"new_email": {"claire@moselle.gouv.fr"}, "new_password": {"password-claire"}, "new_unit": {region}, "new_role": {"unit-admin"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Request.URL.String(), "notice=account_created") {
		t.Fatalf("create unit admin: %d %s\n%s", res.StatusCode, res.Request.URL, body)
	}
	claire, err := n.Store.AccountByUsername(ctx, "claire")
	if err != nil || claire.Tier != store.TierState || claire.Role != store.RoleUnitAdmin || claire.UnitID == nil || strconv.FormatInt(*claire.UnitID, 10) != region {
		t.Fatalf("claire: %+v %v", claire, err)
	}
	// A refused account keeps what was typed, never the password.
	res, body = postForm(t, admin, n.URL+"/admin/accounts", url.Values{"csrf": {csrf}, "new_username": {"Not Valid!"},
		"new_email": {"x@example.org"}, "new_password": {"secret-secret"}, "new_display_name": {"Xavier Dupont"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Xavier Dupont") || strings.Contains(body, "secret-secret") {
		t.Errorf("invalid username: %d", res.StatusCode)
	}

	// The unit admin: member accounts in its units only.
	unitAdmin, csrf2 := signIn(t, n, "claire")
	_, page := get(t, unitAdmin, n.URL+"/admin")
	if !strings.Contains(page, "Moselle") || strings.Contains(page, `action="/admin/domains"`) {
		t.Errorf("unit admin's page: units or node-only sections wrong")
	}
	res, _ = postForm(t, unitAdmin, n.URL+"/admin/accounts", url.Values{"csrf": {csrf2}, "new_username": {"marc"},
		"new_email": {"marc@association.org"}, "new_password": {"password-marc"}, "new_unit": {moselle},
		"new_role": {"admin"}, "new_tier": {"state"}})
	marc, err := n.Store.AccountByUsername(ctx, "marc")
	if res.StatusCode != http.StatusOK || err != nil || marc.Role != store.RoleMember || marc.Tier != store.TierPartner {
		t.Fatalf("unit admin creates marc: %d %+v %v (role and tier fields must be ignored)", res.StatusCode, marc, err)
	}
	res, _ = postForm(t, unitAdmin, n.URL+"/admin/accounts", url.Values{"csrf": {csrf2}, "new_username": {"nounit"},
		"new_email": {"nounit@example.org"}, "new_password": {"un mot de passe"}})
	if _, err := n.Store.AccountByUsername(ctx, "nounit"); res.StatusCode != http.StatusUnprocessableEntity || err == nil {
		t.Errorf("unit admin, account outside its units: %d, %v", res.StatusCode, err)
	}
	res, _ = postForm(t, unitAdmin, n.URL+"/admin/units", url.Values{"csrf": {csrf2}, "unit_name": {"Ailleurs"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unit admin, top-level unit: %d", res.StatusCode)
	}
	res, _ = postForm(t, unitAdmin, n.URL+"/admin/units", url.Values{"csrf": {csrf2}, "unit_name": {"Service urbanisme"}, "unit_parent": {moselle}})
	if units, _ = n.Store.Units(ctx); res.StatusCode != http.StatusOK || len(units) != 3 {
		t.Errorf("unit admin, sub-unit: %d, %d units", res.StatusCode, len(units))
	}

	// A member has no admin page and cannot post to it.
	member, csrf3 := signIn(t, n, "marc")
	res, _ = postForm(t, member, n.URL+"/admin/accounts", url.Values{"csrf": {csrf3}, "new_username": {"sneaky"},
		"new_email": {"sneaky@example.org"}, "new_password": {"un mot de passe"}})
	if _, err := n.Store.AccountByUsername(ctx, "sneaky"); res.StatusCode != http.StatusForbidden || err == nil {
		t.Errorf("member creates an account: %d, %v", res.StatusCode, err)
	}
	res, _ = postForm(t, member, n.URL+"/admin/units", url.Values{"csrf": {csrf3}, "unit_name": {"Sneaky"}})
	if units, _ = n.Store.Units(ctx); res.StatusCode != http.StatusForbidden || len(units) != 3 {
		t.Errorf("member creates a unit: %d", res.StatusCode)
	}
}
