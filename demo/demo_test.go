package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"net"

	"github.com/jackc/pgx/v5"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// TestDemoSeedsAFederation seeds the demo at a small scale and checks,
// through each node's API and store, that what crossed nodes arrived where
// it should and nowhere else.
func TestDemoSeedsAFederation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	prefix := "archipel_test_demo_" + store.NewID() + "_"
	o := Options{AgentsPerNode: 4, Seed: 7, DataDir: t.TempDir(), AdminDatabaseURL: testnet.AdminDatabaseURL(),
		RedisURL: testnet.RedisURL(), Prefix: prefix, Reset: true}
	t.Cleanup(func() { dropDatabases(t, prefix) })
	f, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	// Every group exists on its node, with members from the nodes it gathers.
	wellAttended := 0
	for i, gs := range groupSpecs {
		home := f.Nodes[gs.Node]
		groups, err := home.Store.Groups(ctx, store.GroupFilter{LocalOnly: true, Limit: 80})
		if err != nil {
			t.Fatal(err)
		}
		var g *store.Group
		for _, candidate := range groups {
			if candidate.DisplayName == gs.Name {
				g = candidate
			}
		}
		if g == nil && gs.Visibility != store.VisibilitySecret {
			t.Fatalf("group %d %q missing on %s", i, gs.Name, home.Spec.Key)
		}
		if g == nil {
			continue
		}
		members, err := home.Store.Members(ctx, g.ID, store.StateAccepted, 0, 200)
		if err != nil {
			t.Fatal(err)
		}
		hosts := map[string]bool{}
		for _, m := range members {
			hosts[m.Member.Host] = true
		}
		for _, from := range gs.From {
			if !hosts[f.Nodes[from].Links.Host()] && gs.Visibility != store.VisibilitySecret {
				t.Errorf("group %q has no member from %s", gs.Name, f.Nodes[from].Spec.Key)
			}
		}
		// Its posts are on every member node, and private ones on no other.
		posts, err := home.Store.GroupTimeline(ctx, g.ID, store.Page{Limit: 80})
		if err != nil {
			t.Fatal(err)
		}
		if len(posts) == 0 {
			t.Errorf("group %q has no posts", gs.Name)
		}
		// Enough people act in a well-attended group that its observatory
		// shows figures (it hides people counts under 5).
		if len(members) >= 8 {
			wellAttended++
			var active int
			if err := home.Store.Pool().QueryRow(ctx, `select count(distinct attributed_to) from objects
				where group_id = $1 and deleted_at is null`, g.ID).Scan(&active); err != nil {
				t.Fatal(err)
			}
			if active <= 5 {
				t.Errorf("group %q (%d members): only %d people posted", gs.Name, len(members), active)
			}
		}
		for _, n := range f.Nodes {
			if n == home {
				continue
			}
			memberNode := hosts[n.Links.Host()]
			for _, post := range posts {
				_, err := n.Store.ObjectByURI(ctx, post.URI)
				if memberNode && err != nil {
					t.Errorf("post %s of %q missing on member node %s", post.URI, gs.Name, n.Spec.Key)
				}
				if !memberNode && err == nil && gs.Visibility != store.VisibilityPublic {
					t.Errorf("private post of %q reached %s, which hosts no member", gs.Name, n.Spec.Key)
				}
			}
		}
	}
	if wellAttended == 0 {
		t.Error("no group has eight members: the observatory check did not run")
	}
	// Documents reached every member node with their second version.
	for _, n := range f.Nodes {
		var versions int
		if err := n.Pool.QueryRow(ctx, `select count(*) from document_versions`).Scan(&versions); err != nil {
			t.Fatal(err)
		}
		if versions == 0 {
			t.Errorf("node %s knows no document", n.Spec.Key)
		}
	}
	// The three events: the cross-node meeting has participants of several
	// nodes, counted the same on the group's node and on the others.
	for _, spec := range eventSpecs {
		home := f.Nodes[groupSpecs[spec.Group].Node]
		var uri string
		var count int
		if err := home.Pool.QueryRow(ctx, `select o.uri, e.participant_count from objects o join events e on e.object_id = o.id
			where o.name = $1`, spec.Title).Scan(&uri, &count); err != nil {
			t.Fatalf("event %q on %s: %v", spec.Title, home.Spec.Key, err)
		}
		hosts := 0
		for _, n := range f.Nodes {
			var there, mine int
			if err := n.Pool.QueryRow(ctx, `select coalesce(max(e.participant_count), -1),
				(select count(*) from event_participants p join objects o2 on o2.id = p.event_id where o2.uri = $1 and p.state = 'accepted')
				from objects o join events e on e.object_id = o.id where o.uri = $1`, uri).Scan(&there, &mine); err != nil {
				t.Fatal(err)
			}
			if there >= 0 && there != count {
				t.Errorf("%q: %d participants on %s, %d on its group's node", spec.Title, there, n.Spec.Key, count)
			}
			if mine > 0 && n != home {
				hosts++
			}
		}
		if spec.Group == 1 && hosts == 0 {
			t.Errorf("%q has no participant from another node", spec.Title)
		}
	}
	// Two groups have a guide with sub-pages (edited from another node) and
	// a task board; member nodes have them too.
	for _, gi := range wikiGroups {
		home := f.Nodes[groupSpecs[gi].Node]
		var pages, subPages, tasks, edited int
		if err := home.Pool.QueryRow(ctx, `select count(*), count(parent_id), (select count(*) from tasks),
			(select count(*) from page_versions where version > 1) from wiki_pages`).Scan(&pages, &subPages, &tasks, &edited); err != nil {
			t.Fatal(err)
		}
		if pages < len(guide) || subPages == 0 || tasks < len(taskSpecs) {
			t.Errorf("node %s: %d pages, %d sub-pages, %d tasks", home.Spec.Key, pages, subPages, tasks)
		}
		if edited == 0 {
			t.Errorf("node %s: no page edited from another node", home.Spec.Key)
		}
	}
	// The partner's node is in allowlist mode with the State nodes listed.
	partner := f.Nodes[3]
	if mode, _ := partner.Federator.CurrentMode(ctx); mode != "allowlist" {
		t.Errorf("partner node mode %q", mode)
	}
	var sb strings.Builder
	f.Summary(&sb)
	for _, n := range f.Nodes {
		if !strings.Contains(sb.String(), n.URL) {
			t.Errorf("summary lacks %s", n.URL)
		}
	}
	f.Close()
	f.Nodes = nil

	// A second start reuses the data and does not seed again.
	o.Reset = false
	start := time.Now()
	f2, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	t.Logf("restart took %s", time.Since(start))
	var agents int64
	if agents, err = f2.Nodes[0].Store.CountAccounts(ctx); err != nil || agents != int64(o.AgentsPerNode+1) {
		t.Errorf("after restart node 0 has %d accounts (%v)", agents, err)
	}
}

func dropDatabases(t *testing.T, prefix string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testnet.AdminDatabaseURL())
	if err != nil {
		t.Log(err)
		return
	}
	defer conn.Close(ctx)
	for _, spec := range nodeSpecs {
		if _, err := conn.Exec(ctx, "drop database if exists "+prefix+spec.Key+" with (force)"); err != nil {
			t.Log(err)
		}
	}
}

func TestPortInUse(t *testing.T) {
	ls, err := reservePorts(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(ls)
	base := ls[0].Addr().(*net.TCPAddr).Port
	if _, err := reservePorts(base, 1); err == nil || !strings.Contains(err.Error(), "--base-port") {
		t.Errorf("taken port: %v", err)
	}
}
