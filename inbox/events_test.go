package inbox_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type eventEntity struct {
	ID, URI, Title, Status, Location string
	OnlineURL                        string `json:"online_url"`
	StartTime                        string `json:"start_time"`
	ParticipantsCount                int    `json:"participants_count"`
	Participation                    *string
}

func groupEvents(t *testing.T, u *testnet.User, groupID string) []eventEntity {
	t.Helper()
	var out []eventEntity
	u.API("GET", "/groups/"+groupID+"/events?from=2027-01-01", nil).JSON(t, &out)
	return out
}

func eventByURI(t *testing.T, u *testnet.User, groupID, uri string) *eventEntity {
	t.Helper()
	for _, e := range groupEvents(t, u, groupID) {
		if e.URI == uri {
			return &e
		}
	}
	return nil
}

// participantCountOnA is the group's own count.
func participantCountOnA(t *testing.T, u *testnet.User, eventID string) int {
	t.Helper()
	var e eventEntity
	u.API("GET", "/events/"+eventID, nil).JSON(t, &e)
	return e.ParticipantsCount
}

// The Event document our node serves is Mobilizon's shape (converter/event.ex).
type mobilizonEvent struct {
	Context      []json.RawMessage `json:"@context"`
	ID, Type     string
	URL          string
	Name         string
	Content      string
	StartTime    string `json:"startTime"`
	EndTime      string `json:"endTime"`
	Timezone     string
	JoinMode     string `json:"joinMode"`
	Capacity     int    `json:"maximumAttendeeCapacity"`
	Remaining    int    `json:"remainingAttendeeCapacity"`
	Count        int    `json:"participantCount"`
	ICalStatus   string `json:"ical:status"`
	Actor        string
	AttributedTo string `json:"attributedTo"`
	Audience     string
	Location     struct {
		Type    string
		Name    string
		Address struct{ Type, StreetAddress string }
	}
	Attachment []struct{ Type, Href, Name, MediaType string }
}

// A group on A, a member on B (both real nodes) and a Mobilizon-shaped peer:
// an event is created, taken part in from both peers up to its capacity
// (then the waiting list), updated and cancelled; the participant counts
// agree everywhere. A non-animator's Event is refused, an animator's taken.
func TestEventsAcrossNodesAndMobilizon(t *testing.T) {
	nodes := testnet.Start(t, 2, testnet.Options{})
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice := a.CreateUser("alice", store.TierState, "")
	carol := a.CreateUser("carol", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Numérique", "visibility": "public", "join_policy": "open"})
	if res := carol.API("POST", "/groups/"+g.ID+"/join", nil); res.Status != 200 {
		t.Fatalf("carol joins: %d", res.Status)
	}
	gB := joinByHandle(t, bob, g.Acct)
	waitMembership(t, bob, gB.ID, store.StateAccepted)
	groupURI := a.URL + "/groups/numerique"
	mz := testnet.NewRemoteActor(t, "mobilizon_user")
	joinID := mz.NewID("join")
	mz.Post(t, groupURI+"/inbox", fixture(t, "mobilizon_join.json", map[string]string{"id": joinID, "actor": mz.URI, "group": groupURI}))
	received(t, mz, "Accept", joinID)

	var ev eventEntity
	res := alice.API("POST", "/groups/"+g.ID+"/events", map[string]any{"title": "Comité numérique",
		"description": "Ordre du jour : https://docs.example/odj", "start_time": "2027-03-02T14:00:00+01:00",
		"end_time": "2027-03-02T16:00:00+01:00", "timezone": "Europe/Paris", "location": "Préfecture, salle 2",
		"online_url": "https://visio.example/comite", "capacity": 2})
	res.JSON(t, &ev)
	if res.Status != 200 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	// B hears of it through the group's announce.
	var onB *eventEntity
	testnet.Eventually(t, wait, "the event on B", func() bool {
		onB = eventByURI(t, bob, gB.ID, ev.URI)
		return onB != nil
	})
	if onB.Title != "Comité numérique" || onB.StartTime != "2027-03-02T14:00:00+01:00" || onB.OnlineURL != "https://visio.example/comite" {
		t.Errorf("event on B: %+v", onB)
	}
	// bob takes part from B: Join{Event} to the group, Accept back.
	if res := bob.API("POST", "/events/"+onB.ID+"/participation", nil); res.Status != 200 {
		t.Fatalf("bob participates: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "bob accepted on B", func() bool {
		var e eventEntity
		bob.API("GET", "/events/"+onB.ID, nil).JSON(t, &e)
		return e.Participation != nil && *e.Participation == "accepted" && e.ParticipantsCount == 1
	})
	// The Mobilizon peer takes part: its Join of the event is accepted.
	mzJoin := mz.NewID("join")
	mz.Post(t, groupURI+"/inbox", fixture(t, "mobilizon_join.json", map[string]string{"id": mzJoin, "actor": mz.URI, "group": ev.URI}))
	accept := received(t, mz, "Accept", mzJoin)
	if accept["actor"] != groupURI {
		t.Errorf("Accept from %v", accept["actor"])
	}
	testnet.Eventually(t, wait, "two participants on B", func() bool {
		return eventByURI(t, bob, gB.ID, ev.URI).ParticipantsCount == 2
	})
	// The event as the peer fetches it, signed: Mobilizon's shape, the count agreed.
	doc := mz.Get(t, ev.URI)
	var me mobilizonEvent
	if err := json.Unmarshal(doc.Body, &me); err != nil || doc.Status != 200 {
		t.Fatalf("event document: %d %v %s", doc.Status, err, doc.Body)
	}
	if me.Type != "Event" || me.ID != ev.URI || me.URL != ev.URI || me.Name != "Comité numérique" ||
		me.StartTime != "2027-03-02T14:00:00+01:00" || me.EndTime != "2027-03-02T16:00:00+01:00" || me.Timezone != "Europe/Paris" ||
		me.JoinMode != "free" || me.Capacity != 2 || me.Remaining != 0 || me.Count != 2 || me.ICalStatus != "CONFIRMED" ||
		me.AttributedTo != groupURI || me.Audience != groupURI || me.Actor != a.URL+"/users/alice" ||
		me.Location.Type != "Place" || me.Location.Address.Type != "PostalAddress" || me.Location.Address.StreetAddress != "Préfecture, salle 2" ||
		len(me.Attachment) != 1 || me.Attachment[0].Name != "Website" || me.Attachment[0].Href != "https://visio.example/comite" ||
		!strings.Contains(me.Content, `<a href="https://docs.example/odj"`) {
		t.Errorf("Mobilizon shape: %s", doc.Body)
	}
	for _, term := range []string{`"joinMode"`, `"maximumAttendeeCapacity"`, `"PostalAddress"`, `"timezone"`, `"ical"`, `"mz"`} {
		if !strings.Contains(string(me.Context[len(me.Context)-1]), term) {
			t.Errorf("@context lacks %s", term)
		}
	}
	// Full: carol on A waits; when the peer leaves, she takes its place.
	var ce eventEntity
	carol.API("POST", "/events/"+ev.ID+"/participation", nil).JSON(t, &ce)
	if ce.Participation == nil || *ce.Participation != "waiting" || ce.ParticipantsCount != 2 {
		t.Fatalf("carol on a full event: %+v", ce)
	}
	leaveID := mz.NewID("leave")
	mz.Post(t, groupURI+"/inbox", fixture(t, "mobilizon_leave.json", map[string]string{"id": leaveID, "actor": mz.URI, "group": ev.URI}))
	if reason := processedReason(t, a, leaveID); reason != "" {
		t.Fatalf("leave refused: %s", reason)
	}
	carol.API("GET", "/events/"+ev.ID, nil).JSON(t, &ce)
	if ce.Participation == nil || *ce.Participation != "accepted" || ce.ParticipantsCount != 2 {
		t.Errorf("carol after the peer left: %+v", ce)
	}
	// A Join of a full event from the peer goes on the waiting list: no Accept.
	mzJoin2 := mz.NewID("join")
	mz.Post(t, groupURI+"/inbox", fixture(t, "mobilizon_join.json", map[string]string{"id": mzJoin2, "actor": mz.URI, "group": ev.URI}))
	if reason := processedReason(t, a, mzJoin2); reason != "" {
		t.Fatalf("second join refused: %s", reason)
	}
	if n := participantCountOnA(t, alice, ev.ID); n != 2 {
		t.Errorf("count over capacity: %d", n)
	}
	var waiting string
	if err := a.Pool.QueryRow(ctx, `select p.state from event_participants p join actors x on x.id = p.actor_id where x.uri = $1`, mz.URI).Scan(&waiting); err != nil || waiting != "waiting" {
		t.Errorf("the peer's second join: %q %v", waiting, err)
	}

	// Update, then cancel: B follows, and bob is told.
	if res := alice.API("PATCH", "/events/"+ev.ID, map[string]any{"title": "Comité numérique (salle 3)", "location": "Préfecture, salle 3"}); res.Status != 200 {
		t.Fatalf("update: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "the update on B", func() bool {
		e := eventByURI(t, bob, gB.ID, ev.URI)
		return e.Title == "Comité numérique (salle 3)" && e.Location == "Préfecture, salle 3"
	})
	if res := alice.API("PATCH", "/events/"+ev.ID, map[string]any{"status": "cancelled"}); res.Status != 200 {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, wait, "the cancellation on B", func() bool {
		return eventByURI(t, bob, gB.ID, ev.URI).Status == "cancelled"
	})
	testnet.Eventually(t, wait, "bob told of the cancellation", func() bool {
		var l []struct{ Type string }
		bob.API("GET", "/notifications?types[]=archipel.event_cancelled", nil).JSON(t, &l)
		return len(l) == 1
	})
	if e := eventByURI(t, bob, gB.ID, ev.URI); e.ParticipantsCount != participantCountOnA(t, alice, ev.ID) {
		t.Errorf("counts differ: B %d, A %d", e.ParticipantsCount, participantCountOnA(t, alice, ev.ID))
	}

	// The peer is no animator: its Event for the group is refused.
	mzEvent := mz.NewID("event")
	createID := mz.NewID("create")
	mz.Post(t, groupURI+"/inbox", fixture(t, "mobilizon_create_event.json", map[string]string{"id": createID, "actor": mz.URI,
		"group": groupURI, "event": mzEvent, "title": "Rencontre des référents"}))
	if reason := processedReason(t, a, createID); !strings.Contains(reason, "not an animator") {
		t.Errorf("non-animator's event: %q", reason)
	}
	// Named animator, the same Event is taken, sanitised, and reaches B.
	peer, err := a.Store.ActorByURI(ctx, mz.URI)
	if err != nil {
		t.Fatal(err)
	}
	if res := alice.API("POST", "/groups/"+g.ID+"/members/"+strconv.FormatInt(peer.ID, 10)+"/role", map[string]any{"role": "animator"}); res.Status != 200 {
		t.Fatalf("role: %d %s", res.Status, res.Body)
	}
	createID = mz.NewID("create")
	mz.Post(t, groupURI+"/inbox", fixture(t, "mobilizon_create_event.json", map[string]string{"id": createID, "actor": mz.URI,
		"group": groupURI, "event": mzEvent, "title": "Rencontre des référents"}))
	if reason := processedReason(t, a, createID); reason != "" {
		t.Fatalf("animator's event refused: %s", reason)
	}
	var fromMz *eventEntity
	testnet.Eventually(t, wait, "the peer's event on B", func() bool {
		fromMz = eventByURI(t, bob, gB.ID, mzEvent)
		return fromMz != nil
	})
	var full struct {
		DescriptionHTML string `json:"description_html"`
		Location        string
		OnlineURL       string `json:"online_url"`
		Capacity        int
		Timezone        string
	}
	bob.API("GET", "/events/"+fromMz.ID, nil).JSON(t, &full)
	if strings.Contains(full.DescriptionHTML, "<script") || !strings.Contains(full.DescriptionHTML, "<strong>numérique</strong>") ||
		!strings.Contains(full.Location, "Lyon") || full.OnlineURL != "https://visio.example/referents" || full.Capacity != 30 ||
		full.Timezone != "Europe/Paris" {
		t.Errorf("the peer's event on B: %+v", full)
	}
}

// A private group's events are served only to signed members: an unsigned
// fetch is refused, and so is a peer outside the group.
func TestPrivateGroupEventsFollowTheReadRule(t *testing.T) {
	a := testnet.StartNode(t, testnet.Options{})
	alice := a.CreateUser("alice", store.TierState, "")
	g := createGroup(t, alice, map[string]any{"name": "Cabinet", "visibility": "private", "join_policy": "open"})
	var ev eventEntity
	alice.API("POST", "/groups/"+g.ID+"/events", map[string]any{"title": "Réunion", "start_time": "2027-03-02T14:00:00Z"}).JSON(t, &ev)
	if res := a.Do("GET", strings.TrimPrefix(ev.URI, a.URL), "", nil, "Accept", "application/activity+json"); res.Status != 401 {
		t.Errorf("unsigned fetch of a private event: %d", res.Status)
	}
	outsider := testnet.NewRemoteActor(t, "dehors")
	if res := outsider.Get(t, ev.URI); res.Status != 403 && res.Status != 404 {
		t.Errorf("outsider's fetch: %d", res.Status)
	}
	// An outsider's Join is answered Reject.
	joinID := outsider.NewID("join")
	outsider.Post(t, a.URL+"/groups/cabinet/inbox", fixture(t, "mobilizon_join.json", map[string]string{"id": joinID,
		"actor": outsider.URI, "group": ev.URI}))
	received(t, outsider, "Reject", joinID)
	member := testnet.NewRemoteActor(t, "membre")
	mj := member.NewID("join")
	member.Post(t, a.URL+"/groups/cabinet/inbox", fixture(t, "mobilizon_join.json", map[string]string{"id": mj, "actor": member.URI,
		"group": a.URL + "/groups/cabinet"}))
	received(t, member, "Accept", mj)
	if res := member.Get(t, ev.URI); res.Status != 200 {
		t.Errorf("member's fetch: %d", res.Status)
	}
}
