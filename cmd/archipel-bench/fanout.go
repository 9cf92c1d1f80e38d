package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
)

// runFanout measures the time from a post to its last delivery with the
// worker running, for a post in a large group spread over many nodes and a
// post by an agent with many followers on many nodes.
func runFanout(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fanout", flag.ContinueOnError)
	var c common
	c.register(fs)
	members := fs.Int("group-members", 10000, "remote members of the group")
	groupHosts := fs.Int("group-hosts", 50, "nodes the group's members live on")
	followers := fs.Int("followers", 5000, "remote followers of the agent")
	followerHosts := fs.Int("follower-hosts", 200, "nodes the followers live on (at most 250)")
	posts := fs.Int("posts", 5, "posts per scenario, one after the other (each timed alone)")
	timeout := fs.Duration("timeout", time.Minute, "give up waiting for one post's deliveries after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *groupHosts > *followerHosts {
		return errors.New("--group-hosts must not exceed --follower-hosts (they share the sink)")
	}
	sk, err := newSink(*followerHosts, 50)
	if err != nil {
		return err
	}
	defer sk.Close()
	nd, err := startNode(ctx, &c)
	if err != nil {
		return err
	}
	defer nd.Close()
	acct, author, err := nd.Accounts.Register(ctx, accounts.Registration{Username: "animatrice", Email: "animatrice@example.gouv.fr",
		Password: "password-bench", Tier: store.TierState})
	if err != nil {
		return err
	}
	if err := sk.trust(author); err != nil {
		return err
	}
	g, err := nd.Outbox.CreateGroup(ctx, acct, outbox.NewGroup{Name: "Réseau urbanisme", Username: "urbanisme", Visibility: store.VisibilityPublic})
	if err != nil {
		return fmt.Errorf("create the group: %w", err)
	}
	// The group signs its announces.
	if err := sk.trust(g.Actor); err != nil {
		return err
	}
	logf("inserting %d group members on %d nodes and %d followers on %d nodes", *members, *groupHosts, *followers, *followerHosts)
	if err := seedAudience(ctx, nd, sk.hosts, g.ID, author.ID, *members, *groupHosts, *followers, *followerHosts); err != nil {
		return err
	}
	nd.StartWorker()
	defer func() { _ = nd.StopWorker() }()
	time.Sleep(2 * time.Second) // the worker's start-up reconcile

	type scenario struct {
		name  string
		note  outbox.NewNote
		times []time.Duration
		n     int64
	}
	scenarios := []*scenario{
		{name: fmt.Sprintf("post in a group of %s members on %d nodes", thousands(*members), *groupHosts),
			note: outbox.NewNote{Visibility: store.ObjGroup, GroupID: g.ID}},
		{name: fmt.Sprintf("post by an agent with %s followers on %d nodes", thousands(*followers), *followerHosts),
			note: outbox.NewNote{Visibility: store.ObjPublic}},
	}
	c.quiet.waitQuiet(ctx)
	cs := snapCPU(nd.dbName)
	for _, s := range scenarios {
		for i := range *posts {
			s.note.Text = fmt.Sprintf("Compte rendu n°%d de la réunion du réseau", i)
			before := sk.posts.Load()
			start := time.Now()
			obj, err := nd.Outbox.CreateNote(ctx, author, s.note)
			if err != nil {
				return err
			}
			var want int64
			if err := nd.Pool.QueryRow(ctx, `select count(*) from deliveries d join activities a on a.id = d.activity_id
				where a.object_uri = $1`, obj.URI).Scan(&want); err != nil {
				return err
			}
			s.n = want
			var last time.Duration
			for {
				if sk.posts.Load()-before >= want {
					last = time.Since(start)
					break
				}
				if time.Since(start) > *timeout {
					return fmt.Errorf("%s: %d of %d deliveries after %s", s.name, sk.posts.Load()-before, want, *timeout)
				}
				time.Sleep(2 * time.Millisecond)
			}
			// Recorded as done in PostgreSQL too.
			for {
				var pending int64
				if err := nd.Pool.QueryRow(ctx, `select count(*) from deliveries d join activities a on a.id = d.activity_id
					where a.object_uri = $1 and d.state <> 'done'`, obj.URI).Scan(&pending); err != nil {
					return err
				}
				if pending == 0 {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			s.times = append(s.times, last)
			logf("%s: %d deliveries, last one %s after the post", s.name, want, last.Round(time.Millisecond))
		}
	}
	cpu := cs.to(snapCPU(nd.dbName))
	w := os.Stdout
	header(w, "archipel-bench fanout")
	fmt.Fprintf(w, "- worker in the same process, production options; the sink (%d loopback hosts) answers 202 and verifies every 50th signature: %d checked, %d bad\n",
		*followerHosts, sk.verified.Load(), sk.badSigs.Load())
	fmt.Fprintf(w, "- machine %.0f%% busy during the timed posts (other processes included)\n\n", cpu.machinePct)
	fmt.Fprintln(w, "| post | deliveries | time to the last delivery: median | max | all runs |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, s := range scenarios {
		sorted := slices.Clone(s.times)
		slices.Sort(sorted)
		all := ""
		for i, t := range s.times {
			if i > 0 {
				all += ", "
			}
			all += ms(t)
		}
		fmt.Fprintf(w, "| %s | %d | **%s ms** | %s ms | %s |\n", s.name, s.n, ms(percentile(sorted, 0.5)), ms(sorted[len(sorted)-1]), all)
	}
	return nil
}

// seedAudience adds the group's remote members and the agent's remote
// followers with COPY; each remote node has one shared inbox, so a post
// makes one delivery per node.
func seedAudience(ctx context.Context, nd *benchNode, hosts []string, groupID, authorID int64, members, groupHosts, followers, followerHosts int) error {
	var base int64
	if err := nd.Pool.QueryRow(ctx, `select coalesce(max(id), 0) + 1000 from actors`).Scan(&base); err != nil {
		return err
	}
	var actors, memberRows, followRows [][]any
	add := func(i int, host string) int64 {
		id := base + int64(i)
		name := "agent" + strconv.Itoa(i)
		uri := "http://" + host + "/users/" + name
		actors = append(actors, []any{id, uri, store.TypePerson, name, host, false, uri + "/inbox", "http://" + host + "/inbox", uri, time.Now()})
		return id
	}
	for i := range members {
		memberRows = append(memberRows, []any{groupID, add(i, hosts[i%groupHosts]), "member", "accepted"})
	}
	for i := range followers {
		followRows = append(followRows, []any{add(members+i, hosts[i%followerHosts]), authorID, "accepted"})
	}
	for _, t := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"actors", []string{"id", "uri", "type", "username", "host", "local", "inbox", "shared_inbox", "url", "fetched_at"}, actors},
		{"memberships", []string{"group_id", "member_id", "role", "state"}, memberRows},
		{"follows", []string{"follower_id", "followee_id", "state"}, followRows},
	} {
		if _, err := nd.Pool.CopyFrom(ctx, pgx.Identifier{t.table}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", t.table, err)
		}
	}
	_, err := nd.Pool.Exec(ctx, `select setval(pg_get_serial_sequence('actors', 'id'), (select max(id) from actors)); analyze`)
	return err
}
