package ui_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/mail/mailtest"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

func jarClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// csrfOf reads the CSRF token of a page's forms.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	const mark = `name="csrf" value="`
	i := strings.Index(body, mark)
	if i < 0 {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	rest := body[i+len(mark):]
	return rest[:strings.Index(rest, `"`)]
}

// The sign-up journey through the pages: an unconfirmed account sees only
// the confirm page, the mailed link confirms it and shows the tier; the
// forgotten-password link sets a new password and signs everyone out.
func TestSignUpConfirmAndResetPages(t *testing.T) {
	smtp := mailtest.Start(t)
	n := testnet.StartNode(t, testnet.Options{Identity: config.Identity{SMTPURL: smtp.URL()}})
	if _, err := n.Accounts.SetTierRule(context.Background(), nil, "*.gouv.fr", store.TierState); err != nil {
		t.Fatal(err)
	}
	c := jarClient()
	res, err := c.PostForm(n.URL+"/signup", url.Values{"username": {"agent"}, "email": {"agent@interieur.gouv.fr"},
		"password": {"un mot de passe"}, "password_confirm": {"un mot de passe"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/confirm" {
		t.Fatalf("after sign-up: %s", res.Request.URL)
	}
	res, body := get(t, c, n.URL+"/settings/profile")
	if res.Request.URL.Path != "/confirm" || !strings.Contains(body, "agent@interieur.gouv.fr") {
		t.Errorf("an unconfirmed account reaches %s", res.Request.URL)
	}
	form := url.Values{"csrf": {csrfOf(t, body)}, "text": {"hello"}}
	res, err = c.PostForm(n.URL+"/posts", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("an unconfirmed account posts: %d", res.StatusCode)
	}
	// Resend at once is refused with a clear message.
	res, err = c.PostForm(n.URL+"/confirm/resend", url.Values{"csrf": {csrfOf(t, body)}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("immediate resend: %d", res.StatusCode)
	}

	m := smtp.WaitFor(t, "agent@interieur.gouv.fr", "Confirmez", 30*time.Second)
	res, body = get(t, c, m.Link(n.URL+"/confirm/"))
	if !strings.Contains(res.Request.URL.RawQuery, "welcome_state") || !strings.Contains(body, "État") {
		t.Errorf("after the link: %s", res.Request.URL)
	}
	res, _ = get(t, c, m.Link(n.URL+"/confirm/"))
	if res.StatusCode != http.StatusGone {
		t.Errorf("the link a second time: %d", res.StatusCode)
	}

	// Forgotten password.
	other := jarClient()
	res, err = other.PostForm(n.URL+"/password/forgot", url.Values{"email": {"agent@interieur.gouv.fr"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	reset := smtp.WaitFor(t, "agent@interieur.gouv.fr", "mot de passe", 30*time.Second)
	link := reset.Link(n.URL + "/reset/")
	res, _ = get(t, other, link)
	if res.StatusCode != 200 {
		t.Fatalf("reset page: %d", res.StatusCode)
	}
	res, err = other.PostForm(link, url.Values{"password": {"tout nouveau"}, "password_confirm": {"tout nouveau"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !strings.Contains(res.Request.URL.RawQuery, "password_reset") {
		t.Errorf("after the reset: %s", res.Request.URL)
	}
	res, _ = get(t, c, n.URL+"/settings/profile")
	if res.Request.URL.Path != "/login" {
		t.Errorf("the first browser is still signed in after the reset: %s", res.Request.URL)
	}
	res, err = c.PostForm(n.URL+"/login", url.Values{"login": {"agent"}, "password": {"tout nouveau"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, body = get(t, c, n.URL+"/settings/security")
	if res.StatusCode != 200 || !strings.Contains(body, "Ce navigateur") {
		t.Errorf("security page: %d", res.StatusCode)
	}
}

// Five wrong passwords, then the sign-in page says to wait, with 429.
func TestSignInPageThrottles(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	n.CreateUser("alice", "state", "")
	c := jarClient()
	for range 5 {
		res, err := c.PostForm(n.URL+"/login", url.Values{"login": {"alice"}, "password": {"wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	res, err := c.PostForm(n.URL+"/login", url.Values{"login": {"alice"}, "password": {"password-alice"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("sixth try: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}
