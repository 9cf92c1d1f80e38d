package client_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/mail/mailtest"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// webSession is a signed-in web session (pages, not the API).
type webSession struct {
	t    *testing.T
	n    *testnet.Node
	c    *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func browse(t *testing.T, n *testnet.Node, user string) (*webSession, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &webSession{t: t, n: n, c: &http.Client{Jar: jar}}
	res, err := b.c.PostForm(n.URL+"/login", url.Values{"login": {user}, "password": {"password-" + user}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	_, home := b.get("/")
	if m := csrfField.FindStringSubmatch(home); m != nil {
		b.csrf = m[1]
	}
	return b, b.csrf
}

func (b *webSession) get(path string) (int, string) {
	b.t.Helper()
	res, err := b.c.Get(b.n.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func (b *webSession) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	form.Set("csrf", b.csrf)
	res, err := b.c.PostForm(b.n.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

type dashboardJSON struct {
	PendingRequests []struct{ Account struct{ Username string } } `json:"pending_requests"`
	Invitations     []struct{ Account struct{ Username string } }
	QuietMembers    []struct{ Account struct{ Username string } } `json:"quiet_members"`
	UnansweredPosts []struct{ ID, Content string }                `json:"unanswered_posts"`
	Welcome         string
	IndicatorsURL   string                       `json:"indicators_url"`
	UpcomingEvents  []struct{ ID, Title string } `json:"upcoming_events"`
	OverdueTasks    []struct{ ID, Title string } `json:"overdue_tasks"`
}

func usernames(list []struct{ Account struct{ Username string } }) string {
	var out []string
	for _, m := range list {
		out = append(out, m.Account.Username)
	}
	return strings.Join(out, ",")
}

func notificationTypes(t *testing.T, u *testnet.User) string {
	t.Helper()
	var ns []struct{ Type string }
	u.API("GET", "/notifications?types[]="+store.NotifyGroupWelcome+"&types[]="+store.NotifyGroupAnnouncement, nil).JSON(t, &ns)
	var out []string
	for _, n := range ns {
		out = append(out, n.Type)
	}
	return strings.Join(out, ",")
}

// An animator's dashboard lists who waits for an answer, who has been
// quiet for 60 days and the posts nobody answered after 48 hours; only
// those who run the group see it.
func TestAnimatorDashboard(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	bruno := n.CreateUser("bruno", store.TierState, "")
	chloe := n.CreateUser("chloe", store.TierState, "")
	david := n.CreateUser("david", store.TierState, "")
	emma := n.CreateUser("emma", store.TierState, "")
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Urbanisme", "join_policy": "approval"}).JSON(t, &g)
	for _, u := range []*testnet.User{bruno, chloe, david} {
		u.API("POST", "/groups/"+g.ID+"/join", nil)
	}
	for _, u := range []*testnet.User{bruno, chloe} {
		if res := alice.API("POST", "/groups/"+g.ID+"/members/"+id(u.Actor.ID)+"/approve", nil); res.Status != 200 {
			t.Fatalf("approve: %d %s", res.Status, res.Body)
		}
	}
	alice.API("POST", "/groups/"+g.ID+"/invite", map[string]string{"acct": "emma"})
	var old, answered, recent struct{ ID string }
	bruno.API("POST", "/statuses", map[string]any{"status": "Qui a un modèle de délibération ?", "group_id": g.ID}).JSON(t, &old)
	chloe.API("POST", "/statuses", map[string]any{"status": "Réunion lundi", "group_id": g.ID}).JSON(t, &answered)
	alice.API("POST", "/statuses", map[string]any{"status": "Oui", "in_reply_to_id": answered.ID})
	alice.API("POST", "/statuses", map[string]any{"status": "Tout frais", "group_id": g.ID}).JSON(t, &recent)
	// Three days pass for the posts; bruno and chloe joined 90 days ago, and
	// only bruno acted since (his post of three days ago).
	for _, id := range []string{old.ID, answered.ID} {
		if _, err := n.Pool.Exec(ctx, `update objects set published = now() - interval '3 days' where id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.Pool.Exec(ctx, `update memberships set created_at = now() - interval '90 days' where member_id in ($1, $2)`,
		bruno.Actor.ID, chloe.Actor.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Pool.Exec(ctx, `update objects set published = now() - interval '70 days' where attributed_to = $1 and id <> $2`,
		chloe.Actor.ID, recent.ID); err != nil {
		t.Fatal(err)
	}

	// An event next week and one in two months; a task overdue, one done,
	// one not due yet.
	start := time.Now().AddDate(0, 0, 7).UTC()
	for _, e := range []struct {
		title string
		at    time.Time
	}{{"Comité de pilotage", start}, {"Séminaire de rentrée", start.AddDate(0, 2, 0)}} {
		if res := alice.API("POST", "/groups/"+g.ID+"/events", map[string]any{"title": e.title, "start_time": e.at.Format(time.RFC3339),
			"end_time": e.at.Add(time.Hour).Format(time.RFC3339), "timezone": "Europe/Paris"}); res.Status != 200 {
			t.Fatalf("event: %d %s", res.Status, res.Body)
		}
	}
	yesterday := time.Now().AddDate(0, 0, -2).Format(time.DateOnly)
	for _, task := range []map[string]any{{"title": "Rendre le bilan", "due_date": yesterday},
		{"title": "Déjà fait", "due_date": yesterday, "status": "done"},
		{"title": "Plus tard", "due_date": time.Now().AddDate(0, 1, 0).Format(time.DateOnly)}} {
		if res := alice.API("POST", "/groups/"+g.ID+"/tasks", task); res.Status != 200 {
			t.Fatalf("task: %d %s", res.Status, res.Body)
		}
	}

	var d dashboardJSON
	if res := alice.API("GET", "/groups/"+g.ID+"/dashboard", nil); res.Status != 200 {
		t.Fatalf("dashboard: %d %s", res.Status, res.Body)
	} else {
		res.JSON(t, &d)
	}
	if got := usernames(d.PendingRequests); got != "david" {
		t.Errorf("pending requests %q, want david", got)
	}
	if got := usernames(d.Invitations); got != "emma" {
		t.Errorf("invitations %q, want emma", got)
	}
	if got := usernames(d.QuietMembers); got != "chloe" {
		t.Errorf("quiet members %q, want chloe", got)
	}
	if len(d.UnansweredPosts) != 1 || d.UnansweredPosts[0].ID != old.ID {
		t.Errorf("unanswered posts %+v, want only %s", d.UnansweredPosts, old.ID)
	}
	if len(d.UpcomingEvents) != 1 || d.UpcomingEvents[0].Title != "Comité de pilotage" {
		t.Errorf("upcoming events %+v", d.UpcomingEvents)
	}
	if len(d.OverdueTasks) != 1 || d.OverdueTasks[0].Title != "Rendre le bilan" {
		t.Errorf("overdue tasks %+v", d.OverdueTasks)
	}
	if !strings.HasSuffix(d.IndicatorsURL, "/g/urbanisme/observatory") {
		t.Errorf("indicators url %q", d.IndicatorsURL)
	}
	if res := bruno.API("GET", "/groups/"+g.ID+"/dashboard", nil); res.Status != 403 {
		t.Errorf("a plain member sees the dashboard: %d", res.Status)
	}
	if res := emma.API("GET", "/groups/"+g.ID+"/dashboard", nil); res.Status != 403 {
		t.Errorf("an invitee sees the dashboard: %d", res.Status)
	}
	if res := n.Do("GET", "/api/v1/groups/"+g.ID+"/dashboard", "", nil); res.Status != 401 {
		t.Errorf("anonymous: %d", res.Status)
	}
	// The same dashboard on the manage page, with its two forms.
	web, _ := browse(t, n, "alice")
	status, page := web.get("/g/urbanisme/manage")
	if status != 200 || !strings.Contains(page, "Membres silencieux depuis 60 jours") || !strings.Contains(page, "/posts/"+old.ID) ||
		!strings.Contains(page, `action="/g/urbanisme/announcements"`) || !strings.Contains(page, "/g/urbanisme/observatory") ||
		!strings.Contains(page, "Comité de pilotage") || !strings.Contains(page, "Rendre le bilan") || strings.Contains(page, "Déjà fait") {
		t.Errorf("manage page %d:\n%s", status, page)
	}
	if status, page := web.post("/g/urbanisme/announcements", url.Values{"text": {"  "}}); status != 422 || !strings.Contains(page, `id="f-text-error"`) {
		t.Errorf("empty announcement from the page: %d", status)
	}
	if status, _ := web.post("/g/urbanisme/welcome", url.Values{"welcome": {"Bienvenue à tous"}}); status != 200 {
		t.Errorf("welcome from the page: %d", status)
	} else if _, page := web.get("/g/urbanisme/manage"); !strings.Contains(page, "Bienvenue à tous</textarea>") {
		t.Error("the manage page does not show the saved welcome")
	}
	{
		bruno, _ := browse(t, n, "bruno")
		if status, _ := bruno.get("/g/urbanisme/manage"); status != 403 {
			t.Errorf("a member opens the manage page: %d", status)
		}
		if status, _ := bruno.post("/g/urbanisme/announcements", url.Values{"text": {"Moi"}}); status != 403 {
			t.Errorf("a member announces from the page: %d", status)
		}
	}
}

// A welcome message set by an animator reaches new members as a
// notification and on the group page for 14 days; bad texts are refused
// naming the field.
func TestAnimatorWelcomeMessage(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	bruno := n.CreateUser("bruno", store.TierState, "")
	chloe := n.CreateUser("chloe", store.TierState, "")
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Urbanisme"}).JSON(t, &g)
	chloe.API("POST", "/groups/"+g.ID+"/join", nil)
	for _, tc := range []struct {
		body   any
		status int
	}{
		{map[string]string{"welcome": strings.Repeat("é", 5001)}, 422},
		{map[string]any{"welcome": 3}, 400},
	} {
		if res := alice.API("PUT", "/groups/"+g.ID+"/welcome", tc.body); res.Status != tc.status {
			t.Errorf("%v: %d %s", tc.body, res.Status, res.Body)
		} else if tc.status == 422 && !strings.Contains(string(res.Body), `"field":"welcome"`) {
			t.Errorf("no field named: %s", res.Body)
		}
	}
	if res := chloe.API("PUT", "/groups/"+g.ID+"/welcome", map[string]string{"welcome": "Coucou"}); res.Status != 403 {
		t.Errorf("a member sets the welcome: %d", res.Status)
	}
	if res := alice.API("PUT", "/groups/"+g.ID+"/welcome", map[string]string{"welcome": "Bienvenue ! Présentez-vous dans le fil."}); res.Status != 200 {
		t.Fatalf("set welcome: %d %s", res.Status, res.Body)
	}
	bruno.API("POST", "/groups/"+g.ID+"/join", nil)
	if got := notificationTypes(t, bruno); got != store.NotifyGroupWelcome {
		t.Errorf("bruno's notifications %q", got)
	}
	if got := notificationTypes(t, chloe); strings.Contains(got, store.NotifyGroupWelcome) {
		t.Errorf("an earlier member notified of the welcome: %q", got)
	}
	session, _ := browse(t, n, "bruno")
	page := func() string {
		_, body := session.get("/g/urbanisme")
		return body
	}
	if !strings.Contains(page(), "Présentez-vous dans le fil") {
		t.Error("the new member does not see the welcome on the group page")
	}
	if _, err := n.Pool.Exec(ctx, `update memberships set created_at = now() - interval '15 days' where member_id = $1`, bruno.Actor.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page(), "Présentez-vous dans le fil") {
		t.Error("the welcome is still shown after 14 days")
	}
}

// An announcement reaches every member as a notification and, in their
// language, as a mail through a real SMTP server; empty, NUL-bearing or
// too long texts are refused naming the field, and plain members may not
// send one.
func TestAnimatorAnnouncement(t *testing.T) {
	smtp := mailtest.Start(t)
	n := testnet.StartNode(t, testnet.Options{Identity: config.Identity{SMTPURL: smtp.URL()}})
	alice := n.CreateUser("alice", store.TierState, "")
	bruno := n.CreateUser("bruno", store.TierState, "")
	chloe := n.CreateUser("chloe", store.TierState, "")
	if _, err := n.Pool.Exec(context.Background(), `update accounts set locale = 'en' where id = $1`, chloe.Account.ID); err != nil {
		t.Fatal(err)
	}
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Urbanisme"}).JSON(t, &g)
	bruno.API("POST", "/groups/"+g.ID+"/join", nil)
	chloe.API("POST", "/groups/"+g.ID+"/join", nil)
	path := "/groups/" + g.ID + "/announcements"
	for _, body := range []any{map[string]string{"text": "  "}, map[string]string{}, map[string]string{"text": strings.Repeat("a", 5001)}} {
		if res := alice.API("POST", path, body); res.Status != 422 || !strings.Contains(string(res.Body), `"field":"text"`) {
			t.Errorf("%v: %d %s", body, res.Status, res.Body)
		}
	}
	if res := n.Do("POST", "/api/v1"+path, alice.Token, []byte("text=a%00b"), "Content-Type", "application/x-www-form-urlencoded"); res.Status != 422 ||
		!strings.Contains(string(res.Body), `"field":"text"`) {
		t.Errorf("NUL in a form: %d %s", res.Status, res.Body)
	}
	if res := alice.API("POST", path, []byte(`{"text":"a\u0000b"}`)); res.Status != 400 {
		t.Errorf("NUL in JSON: %d %s", res.Status, res.Body)
	}
	if res := bruno.API("POST", path, map[string]string{"text": "Moi aussi"}); res.Status != 403 {
		t.Errorf("a member announces: %d %s", res.Status, res.Body)
	}
	var sent struct{ Mailed int }
	if res := alice.API("POST", path, map[string]string{"text": "Réunion plénière jeudi à 14 h, salle 3."}); res.Status != 200 {
		t.Fatalf("announce: %d %s", res.Status, res.Body)
	} else if err := json.Unmarshal(res.Body, &sent); err != nil || sent.Mailed != 2 {
		t.Errorf("mailed %d (%v), want 2", sent.Mailed, err)
	}
	fr := smtp.WaitFor(t, bruno.Account.Email, "annonce de", 30*time.Second)
	if !strings.Contains(fr.Text, "Réunion plénière jeudi") || !strings.Contains(fr.HTML, `<html lang="fr">`) ||
		!strings.Contains(fr.Text, n.URL+"/g/urbanisme") {
		t.Errorf("French mail:\n%s", fr.Text)
	}
	en := smtp.WaitFor(t, chloe.Account.Email, "announcement from", 30*time.Second)
	if !strings.Contains(en.Text, "Réunion plénière jeudi") || !strings.Contains(en.HTML, `<html lang="en">`) {
		t.Errorf("English mail:\n%s", en.Text)
	}
	for _, u := range []*testnet.User{bruno, chloe} {
		if got := notificationTypes(t, u); !strings.Contains(got, store.NotifyGroupAnnouncement) {
			t.Errorf("%s's notifications %q", u.Username, got)
		}
	}
	for _, m := range smtp.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, alice.Account.Email) {
				t.Error("the sender was mailed their own announcement")
			}
		}
	}
}

// Every node has an animators' network whose members are the node's
// owners and animators of other groups, kept in step with their roles, and
// that admins may rename.
func TestAnimatorsNetwork(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	ctx := context.Background()
	admin := n.CreateUser("nadia", store.TierState, store.RoleAdmin)
	alice := n.CreateUser("alice", store.TierState, "")
	bruno := n.CreateUser("bruno", store.TierState, "")
	netID, err := n.Store.AnimatorsNetwork(ctx)
	if err != nil {
		t.Fatalf("no animators' network at start-up: %v", err)
	}
	members := func() string {
		ms, err := n.Store.Members(ctx, netID, store.StateAccepted, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Member.Username)
		}
		return strings.Join(out, ",")
	}
	if got := members(); got != "" {
		t.Errorf("members before any group: %q", got)
	}
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Urbanisme"}).JSON(t, &g)
	bruno.API("POST", "/groups/"+g.ID+"/join", nil)
	if got := members(); got != "alice" {
		t.Errorf("after alice created a group: %q", got)
	}
	role := func(r string) {
		if res := alice.API("POST", "/groups/"+g.ID+"/members/"+id(bruno.Actor.ID)+"/role", map[string]string{"role": r}); res.Status != 200 {
			t.Fatalf("role %s: %d %s", r, res.Status, res.Body)
		}
	}
	role(store.MemberAnimator)
	if got := members(); got != "alice,bruno" {
		t.Errorf("after bruno was named animator: %q", got)
	}
	if res := alice.API("POST", "/groups/"+id(netID)+"/leave", nil); res.Status != 422 {
		t.Errorf("an animator leaves the network: %d %s", res.Status, res.Body)
	}
	role(store.MemberMember)
	if got := members(); got != "alice" {
		t.Errorf("after bruno was made a member again: %q", got)
	}
	// An animator who leaves their group leaves the network with it.
	role(store.MemberAnimator)
	bruno.API("POST", "/groups/"+g.ID+"/leave", nil)
	if got := members(); got != "alice" {
		t.Errorf("after the animator bruno left the group: %q", got)
	}
	if res := admin.API("GET", "/groups/"+id(netID)+"/dashboard", nil); res.Status != 200 {
		t.Errorf("the node's admin does not run the network: %d %s", res.Status, res.Body)
	}
	if res := alice.API("GET", "/groups/"+id(netID)+"/dashboard", nil); res.Status != 403 {
		t.Errorf("a member runs the network: %d", res.Status)
	}
}
