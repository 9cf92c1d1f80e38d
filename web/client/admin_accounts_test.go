package client_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

func TestRightsAndTiers(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	admin := n.CreateUser("admin", store.TierState, store.RoleAdmin)
	// Tier rules, then sign-up picks the tier from the e-mail domain.
	if res := admin.API("POST", "/admin/tier_rules", map[string]string{"pattern": "*.gouv.fr", "tier": "state"}); res.Status != 200 {
		t.Fatalf("tier rule: %d %s", res.Status, res.Body)
	}
	admin.API("POST", "/admin/tier_rules", map[string]string{"pattern": "ville-metz.fr", "tier": "public"})
	for email, tier := range map[string]string{"a1@gironde.gouv.fr": "state", "a2@ville-metz.fr": "public", "a3@asso.org": "partner"} {
		res := admin.API("POST", "/admin/accounts", map[string]string{"username": strings.Split(email, "@")[0], "email": email, "password": "long enough"})
		var acct struct{ Tier string }
		res.JSON(t, &acct)
		if res.Status != 200 || acct.Tier != tier {
			t.Errorf("%s: %d tier %q, want %q (%s)", email, res.Status, acct.Tier, tier, res.Body)
		}
	}

	// Units: region > department > service, and a second region.
	var region, dept, service, other struct{ ID int64 }
	admin.API("POST", "/units", map[string]any{"name": "Nouvelle-Aquitaine", "kind": "region"}).JSON(t, &region)
	admin.API("POST", "/units", map[string]any{"name": "Gironde", "kind": "department", "parent_id": region.ID}).JSON(t, &dept)
	admin.API("POST", "/units", map[string]any{"name": "DDTM", "kind": "service", "parent_id": dept.ID}).JSON(t, &service)
	admin.API("POST", "/units", map[string]any{"name": "Grand Est", "kind": "region"}).JSON(t, &other)
	if service.ID == 0 || other.ID == 0 {
		t.Fatal("units not created")
	}
	unitAdmin := n.CreateUser("ua", store.TierState, store.RoleUnitAdmin)
	if err := n.Accounts.SetRights(ctx, nil, unitAdmin.Account, rightsUnit(dept.ID)); err != nil {
		t.Fatal(err)
	}
	unitAdmin.Account, _ = n.Store.AccountByID(ctx, unitAdmin.Account.ID)

	// The unit admin creates an account in its service, not elsewhere.
	res := unitAdmin.API("POST", "/admin/accounts", map[string]any{"username": "agent1", "email": "agent1@gironde.gouv.fr", "password": "long enough", "unit_id": service.ID})
	if res.Status != 200 {
		t.Fatalf("unit admin in its unit: %d %s", res.Status, res.Body)
	}
	var agent1 struct{ ID string }
	res.JSON(t, &agent1)
	if res := unitAdmin.API("POST", "/admin/accounts", map[string]any{"username": "agent2", "email": "agent2@gouv.fr", "password": "long enough", "unit_id": other.ID}); res.Status != 403 {
		t.Errorf("unit admin outside its unit: %d", res.Status)
	}
	if res := unitAdmin.API("POST", "/admin/accounts", map[string]any{"username": "agent3", "email": "agent3@gouv.fr", "password": "long enough", "unit_id": service.ID, "role": "admin"}); res.Status != 403 {
		t.Errorf("unit admin creating a node admin: %d", res.Status)
	}
	if res := unitAdmin.API("PATCH", "/admin/accounts/"+agent1.ID, map[string]any{"tier": "public"}); res.Status != 200 {
		t.Errorf("unit admin changing a tier in its unit: %d %s", res.Status, res.Body)
	}
	if res := unitAdmin.API("PATCH", "/admin/accounts/"+agent1.ID, map[string]any{"role": "admin"}); res.Status != 403 {
		t.Errorf("unit admin promoting to admin: %d", res.Status)
	}
	if res := unitAdmin.API("PATCH", "/admin/accounts/"+agent1.ID, map[string]any{"unit_id": other.ID}); res.Status != 403 {
		t.Errorf("unit admin moving an account out of its units: %d", res.Status)
	}
	outsider := n.CreateUser("outsider", store.TierState, "")
	if res := unitAdmin.API("PATCH", "/admin/accounts/"+strconv.FormatInt(outsider.Actor.ID, 10), map[string]any{"tier": "partner"}); res.Status != 403 {
		t.Errorf("unit admin changing an account of no unit: %d", res.Status)
	}
	member := n.CreateUser("member", store.TierState, "")
	if res := member.API("POST", "/admin/accounts", map[string]any{"username": "x", "email": "x@gouv.fr", "password": "long enough"}); res.Status != 403 {
		t.Errorf("member creating an account: %d", res.Status)
	}
	if res := member.API("POST", "/admin/tier_rules", map[string]string{"pattern": "*.org", "tier": "state"}); res.Status != 403 {
		t.Errorf("member setting a tier rule: %d", res.Status)
	}

	// Group creation: partners cannot until the admin allows it.
	partner := n.CreateUser("asso", store.TierPartner, "")
	if res := partner.API("POST", "/groups", map[string]any{"name": "Asso"}); res.Status != 403 {
		t.Errorf("partner creating a group: %d", res.Status)
	}
	public := n.CreateUser("mairie", store.TierPublic, "")
	if res := public.API("POST", "/groups", map[string]any{"name": "Mairie"}); res.Status != 200 {
		t.Errorf("public agent creating a group: %d", res.Status)
	}
	if err := n.Store.SetSetting(ctx, store.SettingPartnersMayCreateGroups, "true"); err != nil {
		t.Fatal(err)
	}
	if res := partner.API("POST", "/groups", map[string]any{"name": "Asso"}); res.Status != 200 {
		t.Errorf("partner creating a group once allowed: %d", res.Status)
	}
}

func rightsUnit(id int64) accounts.Rights { return accounts.Rights{UnitID: &id} }
