package client_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	ical "github.com/arran4/golang-ical"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type eventEntity struct {
	ID                string
	URI               string
	Title             string
	StartTime         string `json:"start_time"`
	EndTime           string `json:"end_time"`
	Timezone          string
	Status            string
	Capacity          int
	JoinMode          string `json:"join_mode"`
	ParticipantsCount int    `json:"participants_count"`
	Participation     *string
	Occurrences       []struct {
		StartTime string `json:"start_time"`
	}
}

func joinGroup(t *testing.T, u *testnet.User, groupID string) {
	t.Helper()
	if res := u.API("POST", "/groups/"+groupID+"/join", nil); res.Status != 200 {
		t.Fatalf("join: %d %s", res.Status, res.Body)
	}
}

func createEvent(t *testing.T, u *testnet.User, groupID string, body map[string]any) eventEntity {
	t.Helper()
	var e eventEntity
	res := u.API("POST", "/groups/"+groupID+"/events", body)
	if res.Status != 200 {
		t.Fatalf("create event: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &e)
	return e
}

func countEvents(t *testing.T, n *testnet.Node) int {
	t.Helper()
	var c int
	if err := n.Store.Pool().QueryRow(t.Context(), `select count(*) from objects where type = 'Event'`).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Every bad input of an event is a 422 naming the field, and leaves no row.
func TestEventBadInputNamesTheField(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	g := newGroup(t, alice, "numerique", "public")
	base := func() map[string]any {
		return map[string]any{"title": "Comité", "start_time": "2027-03-02T14:00:00+01:00", "end_time": "2027-03-02T16:00:00+01:00",
			"timezone": "Europe/Paris"}
	}
	cases := []struct {
		field string
		key   string
		value any
	}{
		{"end_time", "end_time", "2027-03-02T13:00:00+01:00"},
		{"start_time", "start_time", "1827-03-02T14:00:00+01:00"},
		{"timezone", "timezone", "Mars/Olympus_Mons"},
		{"rrule", "rrule", "FREQ=WEEKLY"},
		{"rrule", "rrule", "FREQ=WEEKLY;COUNT=600"},
		{"capacity", "capacity", -3},
		{"online_url", "online_url", "javascript:alert(1)"},
		{"title", "title", strings.Repeat("x", 10000)},
		{"join_mode", "join_mode", "everyone"},
	}
	for _, c := range cases {
		body := base()
		body[c.key] = c.value
		res := alice.API("POST", "/groups/"+g+"/events", body)
		var e struct{ Error, Field string }
		res.JSON(t, &e)
		if res.Status != http.StatusUnprocessableEntity || e.Field != c.field {
			t.Errorf("%s=%v: %d %s, want 422 naming %s", c.key, c.value, res.Status, res.Body, c.field)
		}
	}
	if res := alice.API("POST", "/groups/"+g+"/events", "not json"); res.Status/100 != 4 {
		t.Errorf("malformed body: %d", res.Status)
	}
	if c := countEvents(t, n); c != 0 {
		t.Errorf("%d event rows after refused input", c)
	}
	// The window of a list is checked too.
	if res := alice.API("GET", "/groups/"+g+"/events?from=yesterday", nil); res.Status != 422 {
		t.Errorf("from=yesterday: %d", res.Status)
	}
	// An edit is checked the same way and changes nothing when refused.
	e := createEvent(t, alice, g, base())
	if res := alice.API("PATCH", "/events/"+e.ID, map[string]any{"end_time": "2027-03-01T10:00:00Z"}); res.Status != 422 {
		t.Errorf("edit end before start: %d %s", res.Status, res.Body)
	}
	var again eventEntity
	alice.API("GET", "/events/"+e.ID, nil).JSON(t, &again)
	if again.EndTime != e.EndTime {
		t.Errorf("refused edit changed the end: %s", again.EndTime)
	}
}

// Only animators create events; members take part up to the capacity, then
// wait; a leaving participant's place goes to the first who waits.
func TestEventParticipationCapacityAndWaitingList(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")
	dave := n.CreateUser("dave", store.TierState, "")
	g := newGroup(t, alice, "atelier", "public")
	for _, u := range []*testnet.User{bob, carol, dave} {
		joinGroup(t, u, g)
	}
	body := map[string]any{"title": "Atelier", "start_time": "2027-05-04T09:00:00+02:00", "end_time": "2027-05-04T12:00:00+02:00",
		"capacity": 2, "rrule": "FREQ=WEEKLY;COUNT=4"}
	if res := bob.API("POST", "/groups/"+g+"/events", body); res.Status != 403 {
		t.Errorf("a member created an event: %d %s", res.Status, res.Body)
	}
	e := createEvent(t, alice, g, body)
	if len(e.Occurrences) != 4 || e.Timezone != "Europe/Paris" || e.StartTime != "2027-05-04T09:00:00+02:00" {
		t.Errorf("event: %+v", e)
	}
	state := func(u *testnet.User, method string) eventEntity {
		t.Helper()
		var got eventEntity
		res := u.API(method, "/events/"+e.ID+"/participation", nil)
		if res.Status != 200 {
			t.Fatalf("%s participation: %d %s", method, res.Status, res.Body)
		}
		res.JSON(t, &got)
		return got
	}
	for i, u := range []*testnet.User{bob, carol, dave} {
		got := state(u, "POST")
		want := []string{"accepted", "accepted", "waiting"}[i]
		if got.Participation == nil || *got.Participation != want {
			t.Errorf("%s: %v, want %s", u.Username, got.Participation, want)
		}
	}
	if got := state(bob, "DELETE"); got.ParticipantsCount != 2 || got.Participation != nil {
		t.Errorf("after bob left: %+v", got)
	}
	var p []struct {
		Account struct{ Username string }
		State   string
	}
	carol.API("GET", "/events/"+e.ID+"/participants", nil).JSON(t, &p)
	if len(p) != 2 || p[0].State != "accepted" || p[1].Account.Username != "dave" || p[1].State != "accepted" {
		t.Errorf("participants: %+v", p)
	}
	kinds := notificationsOf(t, dave, "?types[]=archipel.event_accepted")
	if len(kinds) != 1 {
		t.Errorf("dave was not told he moved up: %v", types(kinds))
	}
	// Outsiders of the group do not see the participants list.
	erin := n.CreateUser("erin", store.TierState, "")
	if res := erin.API("GET", "/events/"+e.ID+"/participants", nil); res.Status != 403 {
		t.Errorf("participants for an outsider: %d", res.Status)
	}
	// The agenda of a member lists it; cancelling tells participants.
	var mine []eventEntity
	dave.API("GET", "/events?from=2027-05-01&to=2027-06-01", nil).JSON(t, &mine)
	if len(mine) != 1 || len(mine[0].Occurrences) != 4 {
		t.Errorf("dave's agenda: %+v", mine)
	}
	if res := alice.API("PATCH", "/events/"+e.ID, map[string]any{"status": "cancelled"}); res.Status != 200 {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	if l := notificationsOf(t, carol, "?types[]=archipel.event_cancelled"); len(l) != 1 {
		t.Errorf("carol not told of the cancellation: %v", types(l))
	}
	if res := erin.API("POST", "/events/"+e.ID+"/participation", nil); res.Status != 422 {
		t.Errorf("joined a cancelled event: %d", res.Status)
	}
}

// Concurrent joins never take more places than the capacity: the event's
// row is locked while a join counts.
func TestEventConcurrentJoinsKeepCapacity(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	g := newGroup(t, alice, "forum", "public")
	e := createEvent(t, alice, g, map[string]any{"title": "Forum", "start_time": "2027-09-01T09:00:00Z", "capacity": 3})
	var users []*testnet.User
	for i := range 12 {
		u := n.CreateUser("agent"+id(int64(i)), store.TierState, "")
		joinGroup(t, u, g)
		users = append(users, u)
	}
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			if res := u.API("POST", "/events/"+e.ID+"/participation", nil); res.Status != 200 {
				t.Errorf("%s: %d %s", u.Username, res.Status, res.Body)
			}
		})
	}
	wg.Wait()
	var accepted, waiting int
	if err := n.Store.Pool().QueryRow(t.Context(), `select count(*) filter (where state = 'accepted'),
		count(*) filter (where state = 'waiting') from event_participants`).Scan(&accepted, &waiting); err != nil {
		t.Fatal(err)
	}
	var got eventEntity
	alice.API("GET", "/events/"+e.ID, nil).JSON(t, &got)
	if accepted != 3 || waiting != 9 || got.ParticipantsCount != 3 {
		t.Errorf("accepted %d, waiting %d, count %d", accepted, waiting, got.ParticipantsCount)
	}
}

// A private group's events are its members' only; a secret group's do not
// exist for others. Feeds: a public group's at a plain URL, a private
// one's behind the member's secret, which can be made anew.
func TestEventVisibilityAndFeeds(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	private := newGroup(t, alice, "cabinet", "private")
	secret := newGroup(t, alice, "crise", "secret")
	public := newGroup(t, alice, "ouvert", "public")
	pe := createEvent(t, alice, private, map[string]any{"title": "Réunion privée", "start_time": "2027-03-02T14:00:00+01:00"})
	se := createEvent(t, alice, secret, map[string]any{"title": "Cellule", "start_time": "2027-03-02T14:00:00+01:00"})
	ue := createEvent(t, alice, public, map[string]any{"title": "Portes ouvertes", "start_time": "2027-03-02",
		"all_day": true, "location": "Mairie"})
	if res := bob.API("GET", "/events/"+pe.ID, nil); res.Status != 403 {
		t.Errorf("private event for an outsider: %d", res.Status)
	}
	if res := n.Do("GET", "/api/v1/events/"+pe.ID, "", nil); res.Status != 401 {
		t.Errorf("private event anonymously: %d", res.Status)
	}
	if res := bob.API("GET", "/events/"+se.ID, nil); res.Status != 404 {
		t.Errorf("secret event for an outsider: %d", res.Status)
	}
	if res := bob.API("POST", "/events/"+se.ID+"/participation", nil); res.Status != 404 {
		t.Errorf("joined a secret event: %d", res.Status)
	}
	if res := bob.API("GET", "/groups/"+private+"/events", nil); res.Status != 403 {
		t.Errorf("private agenda for an outsider: %d", res.Status)
	}
	if res := n.Do("GET", "/api/v1/events/"+ue.ID, "", nil); res.Status != 200 {
		t.Errorf("public event anonymously: %d", res.Status)
	}

	// The public group's feed, plain.
	res := n.Do("GET", "/groups/ouvert/calendar.ics", "", nil)
	if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("public feed: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	cal, err := ical.ParseCalendar(strings.NewReader(string(res.Body)))
	if err != nil || len(cal.Events()) != 1 || cal.Events()[0].Id() != ue.URI {
		t.Fatalf("public feed: %v %s", err, res.Body)
	}
	if res := n.Do("GET", "/groups/cabinet/calendar.ics", "", nil); res.Status != 404 {
		t.Errorf("private group's plain feed: %d", res.Status)
	}
	// One event's file.
	res = alice.API("GET", "/events/"+pe.ID+"/ics", nil)
	if cal, err := ical.ParseCalendar(strings.NewReader(string(res.Body))); err != nil || len(cal.Events()) != 1 ||
		cal.Events()[0].GetProperty(ical.ComponentPropertySummary).Value != "Réunion privée" {
		t.Errorf("event ics: %d %v %s", res.Status, err, res.Body)
	}

	// Secret URLs: shown when made, working, ended by a new secret.
	var feeds struct {
		PersonalURL *string `json:"personal_url"`
		Groups      []struct {
			Acct string
			URL  *string
		}
	}
	alice.API("GET", "/calendar", nil).JSON(t, &feeds)
	// alice's three groups, and the animators' network every owner is in.
	if feeds.PersonalURL == nil || len(feeds.Groups) != 4 {
		t.Fatalf("calendar: %+v", feeds)
	}
	var privateURL string
	for _, g := range feeds.Groups {
		if strings.HasPrefix(g.Acct, "cabinet@") && g.URL != nil {
			privateURL = *g.URL
		}
	}
	path := strings.TrimPrefix(privateURL, n.URL)
	res = n.Do("GET", path, "", nil)
	if cal, err := ical.ParseCalendar(strings.NewReader(string(res.Body))); res.Status != 200 || err != nil || len(cal.Events()) != 1 {
		t.Fatalf("private feed %s: %d %v", path, res.Status, err)
	}
	var again struct {
		PersonalURL *string `json:"personal_url"`
	}
	alice.API("GET", "/calendar", nil).JSON(t, &again)
	if again.PersonalURL != nil {
		t.Error("the secret was shown twice")
	}
	var fresh struct {
		PersonalURL *string `json:"personal_url"`
	}
	alice.API("POST", "/calendar/secret", nil).JSON(t, &fresh)
	if fresh.PersonalURL == nil || *fresh.PersonalURL == *feeds.PersonalURL {
		t.Fatalf("regenerate: %+v", fresh)
	}
	if res := n.Do("GET", path, "", nil); res.Status != 404 {
		t.Errorf("old secret still works: %d", res.Status)
	}
	if res := n.Do("GET", strings.TrimPrefix(*fresh.PersonalURL, n.URL), "", nil); res.Status != 200 {
		t.Errorf("new personal feed: %d", res.Status)
	}
	var stored string
	if err := n.Store.Pool().QueryRow(t.Context(), `select token_hash from calendar_secrets`).Scan(&stored); err != nil ||
		strings.Contains(*fresh.PersonalURL, stored) {
		t.Errorf("secret stored as is: %v", err)
	}
}
