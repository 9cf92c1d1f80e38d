package notifymail_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/mail/mailtest"
	"github.com/archipel-social/archipel/notifymail"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

const wait = 30 * time.Second

func nodeWithMail(t *testing.T) (*testnet.Node, *mailtest.Server) {
	t.Helper()
	smtp := mailtest.Start(t)
	return testnet.StartNode(t, testnet.Options{Identity: config.Identity{SMTPURL: smtp.URL()}}), smtp
}

func choose(t *testing.T, n *testnet.Node, u *testnet.User, p store.MailPreferences) {
	t.Helper()
	if err := n.Store.SetMailPreferences(context.Background(), u.Account.ID, p); err != nil {
		t.Fatal(err)
	}
}

func mailsTo(t *testing.T, n *testnet.Node, address, kind string) int {
	t.Helper()
	var c int
	if err := n.Pool.QueryRow(context.Background(), `select count(*) from mails where to_address = $1 and kind = $2`,
		address, kind).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// An agent who asked for mail on mentions gets one mail per mention, in
// their language, with the post's words, a link to it and a one-click
// unsubscribe; an agent who did not ask gets none.
func TestMentionIsMailedOnceToThoseWhoAskedForIt(t *testing.T) {
	n, smtp := nodeWithMail(t)
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")
	choose(t, n, bob, store.MailPreferences{Mentions: true, Digest: store.DigestWeekly})
	if res := alice.API("POST", "/statuses", map[string]string{"status": "@bob @carol la réunion d'équipe est à 14 h"}); res.Status != 200 {
		t.Fatalf("post: %d %s", res.Status, res.Body)
	}
	m := smtp.WaitFor(t, bob.Account.Email, "vous a mentionné", wait)
	if !strings.Contains(m.Text, "la réunion d'équipe est à 14 h") || !strings.Contains(m.HTML, "la réunion d&#39;équipe") {
		t.Errorf("the mail does not quote the post:\n%s\n%s", m.Text, m.HTML)
	}
	if link := m.Link(n.URL + "/posts/"); link == "" {
		t.Errorf("no link to the post in:\n%s", m.Text)
	}
	unsubscribe := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
	if !strings.HasPrefix(unsubscribe, n.URL+"/mail/unsubscribe/") || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe %q, List-Unsubscribe-Post %q", unsubscribe, m.Header.Get("List-Unsubscribe-Post"))
	}
	// Further runs (the worker's and ours) mail nothing more.
	for range 3 {
		if err := n.NotifyMail.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if c := mailsTo(t, n, bob.Account.Email, "notification"); c != 1 {
		t.Errorf("%d notification mails to bob, want 1", c)
	}
	if c := mailsTo(t, n, carol.Account.Email, "notification"); c != 0 {
		t.Errorf("%d notification mails to carol, who did not ask", c)
	}
}

// The one-click unsubscribe (RFC 8058): the mail client POSTs to the link,
// from another origin, without cookie or CSRF token, and the mail stops.
// Opening the link (GET, as mail scanners do) only asks; a link altered by
// one character is refused.
func TestOneClickUnsubscribe(t *testing.T) {
	n, smtp := nodeWithMail(t)
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	choose(t, n, bob, store.MailPreferences{Mentions: true, Invitations: true, Digest: store.DigestDaily})
	alice.API("POST", "/statuses", map[string]string{"status": "@bob bonjour"})
	m := smtp.WaitFor(t, bob.Account.Email, "", wait)
	link := strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")

	if res, body := get(t, link); res.StatusCode != 200 || !strings.Contains(body, "<form") {
		t.Fatalf("GET of the link: %d", res.StatusCode)
	}
	if p, _ := n.Store.MailPreferencesOf(context.Background(), bob.Account.ID); !p.Mentions {
		t.Fatal("opening the link unsubscribed")
	}
	bad := link[:len(link)-1] + string("AB"[strings.Count(link[len(link)-1:], "A")])
	if res := post(t, bad); res.StatusCode != 404 {
		t.Errorf("altered link: %d", res.StatusCode)
	}
	for range 2 { // a client may post twice
		if res := post(t, link); res.StatusCode != 200 {
			t.Fatalf("one-click POST: %d", res.StatusCode)
		}
	}
	p, _ := n.Store.MailPreferencesOf(context.Background(), bob.Account.ID)
	if p.Mentions || !p.Invitations || p.Digest != store.DigestDaily {
		t.Errorf("after unsubscribing from mentions: %+v", p)
	}
}

func get(t *testing.T, link string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func post(t *testing.T, link string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", link, strings.NewReader(url.Values{"List-Unsubscribe": {"One-Click"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://webmail.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// The weekly digest (the default) gathers what happened in one's groups
// over the week, others' posts only; it is sent once per period, and not
// at all when nothing happened.
func TestWeeklyDigestOfOnesGroups(t *testing.T) {
	n, smtp := nodeWithMail(t)
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	quiet := n.CreateUser("quiet", store.TierState, "")
	var g struct{ ID, Acct string }
	alice.API("POST", "/groups", map[string]any{"name": "Urbanisme durable"}).JSON(t, &g)
	if res := bob.API("POST", "/groups/"+g.ID+"/join", nil); res.Status != 200 {
		t.Fatalf("join: %d %s", res.Status, res.Body)
	}
	for _, text := range []string{"Premier compte rendu", "Deuxième compte rendu", "Troisième", "Quatrième"} {
		if res := alice.API("POST", "/statuses", map[string]any{"status": text, "group_id": g.ID}); res.Status != 200 {
			t.Fatalf("group post: %d %s", res.Status, res.Body)
		}
	}
	bob.API("POST", "/statuses", map[string]any{"status": "Ma propre contribution", "group_id": g.ID})

	later := time.Now().Add(7*24*time.Hour + time.Hour)
	mailer := &notifymail.Mailer{Store: n.Store, Mail: n.Mail, BaseURL: n.URL, Now: func() time.Time { return later }}
	// The posts are a week old by then: they are what the week covered.
	if _, err := n.Pool.Exec(ctx, `update objects set published = published + interval '7 days'`); err != nil {
		t.Fatal(err)
	}
	if err := mailer.SendDigests(ctx); err != nil {
		t.Fatal(err)
	}
	m := smtp.WaitFor(t, bob.Account.Email, "Votre semaine", wait)
	if !strings.Contains(m.Subject(), "4 nouveaux messages") {
		t.Errorf("subject %q", m.Subject())
	}
	for _, want := range []string{"Urbanisme durable", "Quatrième", "Troisième", "Deuxième compte rendu"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("digest lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "Premier compte rendu") || strings.Contains(m.Text, "Ma propre contribution") {
		t.Errorf("digest quotes more than the 3 latest, or bob's own post:\n%s", m.Text)
	}
	if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Error("no one-click unsubscribe on the digest")
	}
	if err := mailer.SendDigests(ctx); err != nil {
		t.Fatal(err)
	}
	if c := mailsTo(t, n, bob.Account.Email, "digest"); c != 1 {
		t.Errorf("%d digests to bob, want 1", c)
	}
	if c := mailsTo(t, n, quiet.Account.Email, "digest"); c != 0 {
		t.Errorf("%d digests to an agent whose groups were quiet", c)
	}
}
