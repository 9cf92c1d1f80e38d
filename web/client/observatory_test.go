package client_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type bucketJSON struct {
	Start           string
	ActiveMembers   *int `json:"active_members"`
	NewMembers      *int `json:"new_members"`
	Posts           *int
	Replies         *int
	Likes           *int
	Tiers           map[string]*int
	UnansweredShare *float64 `json:"unanswered_share"`
	Suppressed      []string
}

type reportJSON struct {
	Step      string
	Threshold int
	Buckets   []bucketJSON
}

// lastBucket is the bucket of this month in a report.
func lastBucket(t *testing.T, r reportJSON) bucketJSON {
	t.Helper()
	if len(r.Buckets) == 0 {
		t.Fatal("no bucket")
	}
	return r.Buckets[len(r.Buckets)-1]
}

// The observatory's figures for a group agree with counts made directly in
// SQL; a figure about fewer than 5 people is null and named suppressed
// (with the tier that subtraction would give back); an agent who left the
// observatory is counted nowhere; only animators and admins see them.
func TestObservatoryFiguresAndTheRuleOfFive(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	ctx := context.Background()
	admin := n.CreateUser("nadia", store.TierState, store.RoleAdmin)
	alice := n.CreateUser("alice", store.TierState, "")
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Urbanisme"}).JSON(t, &g)
	var small struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Petit cercle"}).JSON(t, &small)

	var members []*testnet.User
	for i, name := range []string{"bruno", "chloe", "david", "emma", "fabien", "gaelle", "hugo"} {
		tier := store.TierState
		if i >= 5 {
			tier = store.TierPartner // two partners among the active
		}
		u := n.CreateUser(name, tier, "")
		if res := u.API("POST", "/groups/"+g.ID+"/join", nil); res.Status != 200 {
			t.Fatalf("join: %d %s", res.Status, res.Body)
		}
		members = append(members, u)
	}
	var first struct{ ID string }
	alice.API("POST", "/statuses", map[string]any{"status": "Qui connaît le PLU de Lyon ?", "group_id": g.ID}).JSON(t, &first)
	for _, u := range members {
		var s struct{ ID string }
		if res := u.API("POST", "/statuses", map[string]any{"status": "Compte rendu de " + u.Username, "group_id": g.ID}); res.Status != 200 {
			t.Fatalf("post: %d %s", res.Status, res.Body)
		} else {
			res.JSON(t, &s)
		}
		u.API("POST", "/statuses/"+first.ID+"/favourite", nil)
	}
	members[0].API("POST", "/statuses", map[string]any{"status": "Oui, moi", "in_reply_to_id": first.ID})
	// hugo leaves the observatory: his post, like and arrival are not counted.
	if res := members[6].API("POST", "/observatory/opt_out", map[string]bool{"opt_out": true}); res.Status != 200 {
		t.Fatalf("opt out: %d %s", res.Status, res.Body)
	}
	// The small group: alice and one member.
	members[0].API("POST", "/groups/"+small.ID+"/join", nil)
	members[0].API("POST", "/statuses", map[string]any{"status": "Entre nous", "group_id": small.ID})

	var report reportJSON
	res := alice.API("GET", "/groups/"+g.ID+"/stats?step=month", nil)
	if res.Status != 200 {
		t.Fatalf("stats: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &report)
	b := lastBucket(t, report)

	var sqlActive, sqlPosts, sqlReplies, sqlLikes int
	gid := g.ID
	if err := n.Pool.QueryRow(ctx, `select
		(select count(distinct x) from (select attributed_to x from objects where group_id = $1::bigint
			union all select l.actor_id from likes l join objects o on o.id = l.object_id where o.group_id = $1::bigint) a
			where x not in (select actor_id from accounts where observatory_opt_out)),
		(select count(*) from objects where group_id = $1::bigint and in_reply_to = '' and type = 'Note'
			and attributed_to not in (select actor_id from accounts where observatory_opt_out)),
		(select count(*) from objects where group_id = $1::bigint and in_reply_to <> '' and type = 'Note'),
		(select count(*) from likes l join objects o on o.id = l.object_id where o.group_id = $1::bigint
			and l.actor_id not in (select actor_id from accounts where observatory_opt_out))`, gid).
		Scan(&sqlActive, &sqlPosts, &sqlReplies, &sqlLikes); err != nil {
		t.Fatal(err)
	}
	if sqlActive != 7 || sqlPosts != 7 || sqlReplies != 1 || sqlLikes != 6 {
		t.Fatalf("the seed is not what the test thinks: %d active, %d posts, %d replies, %d likes", sqlActive, sqlPosts, sqlReplies, sqlLikes)
	}
	if b.ActiveMembers == nil || *b.ActiveMembers != sqlActive || *b.Posts != sqlPosts || *b.Replies != sqlReplies || *b.Likes != sqlLikes {
		t.Errorf("observatory %+v, SQL %d active, %d posts, %d replies, %d likes", b, sqlActive, sqlPosts, sqlReplies, sqlLikes)
	}
	// One partner is active after hugo left: under 5, hidden, and the
	// State count with it, since active minus State would give it back.
	if b.Tiers["partner"] != nil || b.Tiers["state"] != nil {
		t.Errorf("tiers shown: state %v, partner %v", b.Tiers["state"], b.Tiers["partner"])
	}
	if !contains(b.Suppressed, "tiers.partner") || !contains(b.Suppressed, "tiers.state") {
		t.Errorf("suppressed %v", b.Suppressed)
	}
	// The arrivals: the 6 counted (hugo left the observatory).
	if b.NewMembers == nil || *b.NewMembers != 6 {
		t.Errorf("new members %v", b.NewMembers)
	}

	// The small group: 2 people, every figure hidden.
	alice.API("GET", "/groups/"+small.ID+"/stats", nil).JSON(t, &report)
	s := lastBucket(t, report)
	if s.ActiveMembers != nil || s.Posts != nil || !contains(s.Suppressed, "active_members") || !contains(s.Suppressed, "posts") {
		t.Errorf("small group shown: %+v", s)
	}
	csv := alice.API("GET", "/groups/"+small.ID+"/stats?format=csv", nil)
	if csv.Status != 200 || !strings.Contains(string(csv.Body), "< 5") {
		t.Errorf("CSV: %d %s", csv.Status, csv.Body)
	}

	// The node's figures, for its admin: both groups.
	var node reportJSON
	if res := admin.API("GET", "/observatory?step=week", nil); res.Status != 200 {
		t.Fatalf("node observatory: %d %s", res.Status, res.Body)
	} else {
		res.JSON(t, &node)
	}
	if nb := lastBucket(t, node); nb.Posts == nil || *nb.Posts != sqlPosts+1 {
		t.Errorf("node posts %v, want %d", nb.Posts, sqlPosts+1)
	}

	// Who may see them.
	if res := members[0].API("GET", "/groups/"+g.ID+"/stats", nil); res.Status != http.StatusForbidden {
		t.Errorf("a plain member: %d", res.Status)
	}
	if res := alice.API("GET", "/observatory", nil); res.Status != http.StatusForbidden {
		t.Errorf("a non-admin on the node's figures: %d", res.Status)
	}
	// Bad input: a 422 naming the field.
	for q, field := range map[string]string{"step=day": "step", "from=2026-06-01&to=2026-01-01": "from",
		"from=2001-01-01&to=2026-01-01": "from", "from=hier": "from", "format=xml": "format"} {
		res := alice.API("GET", "/groups/"+g.ID+"/stats?"+q, nil)
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s", q, res.Status, res.Body)
		}
	}
	if res := alice.API("GET", "/groups/"+g.ID+"/stats?step=%00", nil); res.Status != http.StatusBadRequest {
		t.Errorf("NUL: %d", res.Status)
	}
	// Not published by default.
	if res := n.Do("GET", "/observatory.json", "", nil); res.Status != http.StatusNotFound {
		t.Errorf("observatory.json unpublished: %d", res.Status)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The federation-wide view (issue 19): three nodes of the test network;
// B and C share their aggregates with A, which allowlists them, by signed
// GET; A's admin sees the three nodes' figures summed, and no node
// publishes to a stranger.
func TestNetworkObservatoryAggregatesThreeNodes(t *testing.T) {
	nodes := testnet.Start(t, 3, testnet.Options{})
	ctx := context.Background()
	a := nodes[0]
	for _, peer := range nodes[1:] {
		if err := a.Store.SetDomainPolicy(ctx, peer.Host, store.PolicyAllow); err != nil {
			t.Fatal(err)
		}
		if err := peer.Store.SetDomainPolicy(ctx, a.Host, store.PolicyAllow); err != nil {
			t.Fatal(err)
		}
	}
	// Each node: a group where 5 + i people post once each.
	posts := 0
	for i, n := range nodes {
		owner := n.CreateUser("owner", store.TierState, "")
		var g struct{ ID string }
		owner.API("POST", "/groups", map[string]any{"name": "Réseau"}).JSON(t, &g)
		for j := range 4 + i {
			u := n.CreateUser("agent"+strconv.Itoa(j), store.TierState, "")
			u.API("POST", "/groups/"+g.ID+"/join", nil)
			if res := u.API("POST", "/statuses", map[string]any{"status": "Bonjour", "group_id": g.ID}); res.Status != 200 {
				t.Fatalf("post: %d %s", res.Status, res.Body)
			}
			posts++
		}
		owner.API("POST", "/statuses", map[string]any{"status": "Bienvenue", "group_id": g.ID})
		posts++
	}
	// A stranger (no signature) gets nothing from B.
	if res := nodes[1].Do("GET", "/observatory.json", "", nil); res.Status != http.StatusNotFound {
		t.Errorf("B's aggregates to a stranger: %d", res.Status)
	}
	admin := a.CreateUser("nadia", store.TierState, store.RoleAdmin)
	var nw struct {
		Nodes []struct {
			Host, Error string
			Own         bool
		}
		Buckets []struct {
			Start         string
			Nodes         int
			ActiveMembers int `json:"active_members"`
			Posts         int
			Hidden        map[string]int
		}
	}
	res := admin.API("GET", "/observatory/network?refresh=true", nil)
	if res.Status != 200 {
		t.Fatalf("network: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &nw)
	if len(nw.Nodes) != 3 {
		t.Fatalf("nodes: %+v", nw.Nodes)
	}
	for _, s := range nw.Nodes {
		if s.Error != "" {
			t.Errorf("%s: %s", s.Host, s.Error)
		}
	}
	last := nw.Buckets[len(nw.Buckets)-1]
	if last.Nodes != 3 || last.Posts != posts || last.ActiveMembers != 5+6+7 {
		t.Errorf("this month across the network: %+v, want 3 nodes, %d posts, 18 active", last, posts)
	}
	if res := a.CreateUser("bob", store.TierState, "").API("GET", "/observatory/network", nil); res.Status != http.StatusForbidden {
		t.Errorf("a non-admin: %d", res.Status)
	}
}
