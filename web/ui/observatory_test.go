package ui_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// The observatory pages: the node's for its admins, a group's for those who
// run it, each with accessible charts, the table of the same figures and a
// CSV export; refused to others; a bad period is the form again with its
// message.
func TestObservatoryPages(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	n.CreateUser("nadia", store.TierState, store.RoleAdmin)
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	var g struct{ ID, Acct string }
	alice.API("POST", "/groups", map[string]any{"name": "Urbanisme", "username": "urbanisme"}).JSON(t, &g)
	bob.API("POST", "/groups/"+g.ID+"/join", nil)
	alice.API("POST", "/statuses", map[string]any{"status": "Bonjour", "group_id": g.ID})

	admin, _ := signIn(t, n, "nadia")
	res, body := get(t, admin, n.URL+"/observatory?step=week")
	if res.StatusCode != 200 || !strings.Contains(body, `<svg role="img"`) || !strings.Contains(body, "<desc") ||
		!strings.Contains(body, `<th scope="row">`) || !strings.Contains(body, "&lt; 5") {
		t.Fatalf("node observatory: %d\n%s", res.StatusCode, body)
	}
	// By region: a unit of kind region, with its sub-units.
	region := &store.Unit{Name: "Grand Est", Kind: "region"}
	if err := n.Store.CreateUnit(context.Background(), region); err != nil {
		t.Fatal(err)
	}
	res, body = get(t, admin, n.URL+"/observatory?unit_id="+strconv.FormatInt(region.ID, 10))
	if res.StatusCode != 200 || !strings.Contains(body, `selected>Grand Est`) {
		t.Errorf("observatory of a region: %d", res.StatusCode)
	}
	res, body = get(t, admin, n.URL+"/observatory?format=csv")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(body, "active_members") {
		t.Errorf("CSV: %d %q", res.StatusCode, body)
	}
	if res, _ := get(t, admin, n.URL+"/observatory?from=2026-06-01&to=2026-01-01"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad period: %d", res.StatusCode)
	}

	owner, _ := signIn(t, n, "alice")
	if res, body := get(t, owner, n.URL+"/g/urbanisme/observatory"); res.StatusCode != 200 || !strings.Contains(body, `<svg role="img"`) {
		t.Errorf("group observatory for its owner: %d", res.StatusCode)
	}
	if res, _ := get(t, owner, n.URL+"/observatory"); res.StatusCode != http.StatusForbidden {
		t.Errorf("node observatory for a member: %d", res.StatusCode)
	}
	member, _ := signIn(t, n, "bob")
	if res, _ := get(t, member, n.URL+"/g/urbanisme/observatory"); res.StatusCode != http.StatusForbidden {
		t.Errorf("group observatory for a plain member: %d", res.StatusCode)
	}
}
