package inbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

const wait = 20 * time.Second

type status struct {
	ID, Content, URI string
	Account          struct{ Acct string }
}

func homeTimeline(u *testnet.User) []status {
	var out []status
	u.API("GET", "/timelines/home", nil).JSON(u.Node.T(), &out)
	return out
}

// follow makes u follow handle through the API (WebFinger, then Follow).
func follow(t *testing.T, u *testnet.User, handle string) string {
	t.Helper()
	res := u.API("GET", "/accounts/lookup?acct="+handle, nil)
	var acct struct{ ID string }
	res.JSON(t, &acct)
	if res.Status != 200 {
		t.Fatalf("lookup %s: %d %s", handle, res.Status, res.Body)
	}
	if res := u.API("POST", "/accounts/"+acct.ID+"/follow", nil); res.Status != 200 {
		t.Fatalf("follow %s: %d %s", handle, res.Status, res.Body)
	}
	testnet.Eventually(t, wait, u.Username+" follows "+handle, func() bool {
		var rels []struct{ Following bool }
		u.API("GET", "/accounts/relationships?id[]="+acct.ID, nil).JSON(t, &rels)
		return len(rels) == 1 && rels[0].Following
	})
	return acct.ID
}

func TestFollowPostEditDelete(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	follow(t, alice, bob.Handle())

	res := bob.API("POST", "/statuses", map[string]string{"status": "Réunion du réseau urbanisme jeudi <b>14h</b>"})
	var posted status
	res.JSON(t, &posted)
	var seen status
	testnet.Eventually(t, wait, "bob's post in alice's home timeline", func() bool {
		for _, s := range homeTimeline(alice) {
			if s.URI == posted.URI {
				seen = s
				return true
			}
		}
		return false
	})
	if seen.Content != "<p>Réunion du réseau urbanisme jeudi &lt;b&gt;14h&lt;/b&gt;</p>" || seen.Account.Acct != bob.Handle() {
		t.Errorf("post on A: %+v", seen)
	}

	if res := bob.API("PUT", "/statuses/"+posted.ID, map[string]string{"status": "Réunion déplacée à 15h"}); res.Status != 200 {
		t.Fatalf("edit: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "the edit on A", func() bool {
		for _, s := range homeTimeline(alice) {
			if s.URI == posted.URI {
				return s.Content == "<p>Réunion déplacée à 15h</p>"
			}
		}
		return false
	})
	if res := bob.API("DELETE", "/statuses/"+posted.ID, nil); res.Status != 200 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "the post gone on A", func() bool {
		for _, s := range homeTimeline(alice) {
			if s.URI == posted.URI {
				return false
			}
		}
		return true
	})
	// The row left on A is a tombstone: a late duplicate Create cannot revive it.
	obj, err := a.Store.ObjectByURI(context.Background(), posted.URI)
	if err != nil || obj.DeletedAt == nil || obj.Content != "" {
		t.Errorf("tombstone on A: %+v %v", obj, err)
	}
}

func TestSharedInboxDeliveries(t *testing.T) {
	nodes := testnet.Start(t, 3, testnet.Options{})
	a, b, c := nodes[0], nodes[1], nodes[2]
	bob := b.CreateUser("bob", store.TierState, "")
	var followers []*testnet.User
	for _, name := range []string{"a1", "a2", "a3"} {
		followers = append(followers, a.CreateUser(name, store.TierState, ""))
	}
	for _, name := range []string{"c1", "c2"} {
		followers = append(followers, c.CreateUser(name, store.TierPublic, ""))
	}
	for _, f := range followers {
		follow(t, f, bob.Handle())
	}
	res := bob.API("POST", "/statuses", map[string]string{"status": "Note de cadrage"})
	var posted status
	res.JSON(t, &posted)
	ctx := context.Background()
	act, err := b.Store.ActivityByURI(ctx, posted.URI+"/activity")
	if err != nil {
		t.Fatal(err)
	}
	var inboxes []string
	rows, err := b.Pool.Query(ctx, `select inbox from deliveries where activity_id = $1 order by inbox`, act.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		inboxes = append(inboxes, s)
	}
	rows.Close()
	want := []string{a.URL + "/inbox", c.URL + "/inbox"}
	if strings.Join(inboxes, " ") != strings.Join(sorted(want), " ") {
		t.Fatalf("deliveries to %v, want one per node %v", inboxes, want)
	}
	for _, f := range followers {
		testnet.Eventually(t, wait, "the post reaches "+f.Handle(), func() bool {
			for _, s := range homeTimeline(f) {
				if s.URI == posted.URI {
					return true
				}
			}
			return false
		})
	}
}

func sorted(s []string) []string {
	if len(s) == 2 && s[0] > s[1] {
		s[0], s[1] = s[1], s[0]
	}
	return s
}
