package ui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

func get(t *testing.T, c *http.Client, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, c, req)
}

// do sends a request and reads the whole answer.
func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// Sessions, cross-origin refusal and error pages, without a browser.
func TestPagesHTTP(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	n.CreateUser("alice", "state", "")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}

	res, body := get(t, c, n.URL+"/@nobody", "Accept-Language", "en-GB,en;q=0.9")
	if res.StatusCode != 404 || !strings.Contains(body, "does not exist") || !strings.Contains(body, `lang="en"`) {
		t.Errorf("404 page in English: %d %s", res.StatusCode, body)
	}
	res, body = get(t, c, n.URL+"/@nobody")
	if res.StatusCode != 404 || !strings.Contains(body, "existe pas") {
		t.Errorf("404 page in French by default: %d", res.StatusCode)
	}

	res, err := c.PostForm(n.URL+"/login", url.Values{"login": {"alice"}, "password": {"password-alice"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	u, _ := url.Parse(n.URL)
	var session *http.Cookie
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "archipel_session" {
			session = ck
		}
	}
	if session == nil {
		t.Fatal("no session cookie after login")
	}
	// The jar hides the attributes: read them from a fresh login.
	raw, err := http.PostForm(n.URL+"/login", url.Values{"login": {"alice"}, "password": {"password-alice"}})
	if err != nil {
		t.Fatal(err)
	}
	raw.Body.Close()
	setCookie := ""
	if raw.Request != nil && raw.Request.Response != nil {
		setCookie = strings.Join(raw.Request.Response.Header.Values("Set-Cookie"), "; ")
	}
	if !strings.Contains(setCookie, "HttpOnly") || !strings.Contains(setCookie, "SameSite=Lax") || strings.Contains(setCookie, "Secure") {
		t.Errorf("session cookie attributes on an http node: %q", setCookie)
	}

	_, body = get(t, c, n.URL+"/")
	if !strings.Contains(body, `name="csrf"`) {
		t.Fatal("signed-in home has no CSRF token in its forms")
	}
	// A form posted from another site is refused.
	req, _ := http.NewRequest("POST", n.URL+"/posts", strings.NewReader("text=hello"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", res.StatusCode)
	}
	// A same-site post without the session's token is refused too.
	res, err = c.PostForm(n.URL+"/posts", url.Values{"text": {"hello"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("post without CSRF token: %d, want 403", res.StatusCode)
	}
}

// The home feed shows the reader's membership changes among the posts.
func TestHomeShowsMembershipChanges(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	g, err := n.Outbox.CreateGroup(ctx, alice.Account, outbox.NewGroup{Name: "Atelier", Username: "atelier",
		Visibility: store.VisibilityPublic, JoinPolicy: store.JoinOpen})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Outbox.Join(ctx, bob.Actor, g.Actor); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Outbox.CreateNote(ctx, alice.Actor, outbox.NewNote{Text: "Bienvenue à Bob", GroupID: g.ID}); err != nil {
		t.Fatal(err)
	}
	c, _ := signIn(t, n, "bob")
	_, body := get(t, c, n.URL+"/")
	joined := strings.Index(body, "Vous êtes membre de atelier@")
	welcome := strings.Index(body, "Bienvenue à Bob")
	if joined < 0 || welcome < 0 || welcome > joined {
		t.Errorf("home feed: membership change at %d, later post at %d; want the post first, then the join", joined, welcome)
	}
}

// The directory pages its results, keeping the search in its links.
func TestDirectoryPages(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	for i := range 45 {
		u := n.CreateUser(fmt.Sprintf("agent_%02d", i), store.TierState, "")
		if err := n.Store.SetSkills(ctx, u.Actor.ID, []string{"Urbanisme"}); err != nil {
			t.Fatal(err)
		}
	}
	c := &http.Client{}
	_, body := get(t, c, n.URL+"/directory?skill=urbanisme")
	if strings.Count(body, `class="card person"`) != 40 || !strings.Contains(body, `href="/directory?offset=40&amp;skill=urbanisme" rel="next"`) {
		t.Fatalf("first page: %d people, next link present %v", strings.Count(body, `class="card person"`), strings.Contains(body, `rel="next"`))
	}
	_, body = get(t, c, n.URL+"/directory?offset=40&skill=urbanisme")
	if strings.Count(body, `class="card person"`) != 5 || strings.Contains(body, `rel="next"`) || !strings.Contains(body, `rel="prev"`) {
		t.Errorf("second page: %d people", strings.Count(body, `class="card person"`))
	}
	if !strings.Contains(body, "Personnes 41 à 45") {
		t.Errorf("second page does not say which people it shows")
	}
}

// One's own post can be edited from its page, from the text it was written
// with; nobody else's.
func TestEditPost(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	n.CreateUser("bob", store.TierState, "")
	obj, err := n.Outbox.CreateNote(ctx, alice.Actor, outbox.NewNote{Text: "Réunion jeudi à 10 h\n\nOrdre du jour : budget"})
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("%s/posts/%d", n.URL, obj.ID)
	c, csrf := signIn(t, n, "alice")
	_, body := get(t, c, page)
	if !strings.Contains(body, "Réunion jeudi à 10 h\n\nOrdre du jour : budget</textarea>") {
		t.Fatalf("the edit form does not hold the text the post was written with")
	}
	res, body := postForm(t, c, page+"/edit", url.Values{"csrf": {csrf}, "edit_text": {"   "}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "aria-invalid") {
		t.Errorf("empty edit: %d", res.StatusCode)
	}
	res, _ = postForm(t, c, page+"/edit", url.Values{"csrf": {csrf}, "edit_text": {"Réunion jeudi à 11 h"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Request.URL.RawQuery, "notice=edited") {
		t.Fatalf("edit: %d %s", res.StatusCode, res.Request.URL)
	}
	if got, err := n.Store.ObjectByID(ctx, obj.ID); err != nil || got.Content != "<p>Réunion jeudi à 11 h</p>" || got.Updated == nil {
		t.Errorf("after the edit: %+v %v", got, err)
	}
	bob, csrf2 := signIn(t, n, "bob")
	res, _ = postForm(t, bob, page+"/edit", url.Values{"csrf": {csrf2}, "edit_text": {"Piraté"}})
	if got, _ := n.Store.ObjectByID(ctx, obj.ID); res.StatusCode < 400 || got.Content != "<p>Réunion jeudi à 11 h</p>" {
		t.Errorf("bob edits alice's post: %d, content %q", res.StatusCode, got.Content)
	}
	if _, body := get(t, bob, page); strings.Contains(body, `action="`+fmt.Sprintf("/posts/%d/edit", obj.ID)) {
		t.Errorf("bob is offered to edit alice's post")
	}
}

// Sharing a public post from the web: the button says whether it is shared,
// and one's own share shows in one's feed.
func TestSharePost(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := n.CreateUser("alice", store.TierState, "")
	n.CreateUser("bob", store.TierState, "")
	obj, err := n.Outbox.CreateNote(ctx, alice.Actor, outbox.NewNote{Text: "Note de cadrage du projet"})
	if err != nil {
		t.Fatal(err)
	}
	c, csrf := signIn(t, n, "bob")
	page := fmt.Sprintf("%s/posts/%d", n.URL, obj.ID)
	res, _ := postForm(t, c, page+"/share", url.Values{"csrf": {csrf}, "back": {"/"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("share: %d", res.StatusCode)
	}
	_, home := get(t, c, n.URL+"/")
	if !strings.Contains(home, "Note de cadrage du projet") || !strings.Contains(home, "Partagé par") ||
		!strings.Contains(home, fmt.Sprintf(`action="/posts/%d/unshare"`, obj.ID)) {
		t.Errorf("bob's feed after sharing does not show the share")
	}
	postForm(t, c, page+"/unshare", url.Values{"csrf": {csrf}, "back": {"/"}})
	if _, home = get(t, c, n.URL+"/"); strings.Contains(home, "Partagé par") {
		t.Errorf("the share is still in bob's feed after taking it back")
	}
}

// The notifications page reads the notifications table: every type, likes
// of one post grouped with a plural from the catalogue, unread ones marked
// until "mark all as read".
func TestNotificationsPage(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", "state", "")
	var post struct{ ID string }
	alice.API("POST", "/statuses", map[string]any{"status": "Ordre du jour"}).JSON(t, &post)
	for _, name := range []string{"bob", "carol", "dan"} {
		n.CreateUser(name, "state", "").API("POST", "/statuses/"+post.ID+"/favourite", nil)
	}
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Voirie", "join_policy": "approval"}).JSON(t, &g)
	n.CreateUser("eve", "state", "").API("POST", "/groups/"+g.ID+"/join", nil)

	c, csrf := signIn(t, n, "alice")
	_, body := get(t, c, n.URL+"/notifications")
	for _, want := range []string{"et 2 autres personnes ont aimé votre message", "demande à rejoindre le groupe Voirie",
		"Ordre du jour", "2 non lues", `class="notification unread"`} {
		if !strings.Contains(body, want) {
			t.Errorf("notifications page lacks %q", want)
		}
	}
	get(t, c, n.URL+"/lang/en?next=/notifications")
	if _, en := get(t, c, n.URL+"/notifications"); !strings.Contains(en, "and 2 other people liked your post") {
		t.Errorf("English notifications page lacks the plural")
	}
	res, _ := postForm(t, c, n.URL+"/notifications/read", url.Values{"csrf": {csrf}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mark read: %d", res.StatusCode)
	}
	_, body = get(t, c, n.URL+"/notifications")
	if strings.Contains(body, `class="notification unread"`) || !strings.Contains(body, "and 2 other people") {
		t.Errorf("after marking read: unread still shown or list gone")
	}
}
