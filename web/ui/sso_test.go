package ui_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/sso/ssotest"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

var yes, no = true, false

// ssoRig is a node whose single sign-on is a real OpenID provider in the
// test process, shaped like ProConnect.
type ssoRig struct {
	n *testnet.Node
	p *ssotest.Provider
}

func newSSORig(t *testing.T) *ssoRig {
	t.Helper()
	p := ssotest.Start(t, nil, nil,
		ssotest.User{Subject: "sub-angela", Email: "angela.dubois@interieur.gouv.fr", GivenName: "Angela", UsualName: "DUBOIS",
			Siret: "11000201100044", OrganizationalUnit: "Direction du numérique"},
		ssotest.User{Subject: "sub-unverified", Email: "x@interieur.gouv.fr", EmailVerified: &no},
		ssotest.User{Subject: "sub-noemail", GivenName: "Sans"},
		ssotest.User{Subject: "sub-bob", Email: "bob@example.org", EmailVerified: &yes, GivenName: "Bob"})
	n := testnet.StartNode(t, testnet.Options{Identity: config.Identity{OIDCIssuer: p.Issuer, OIDCClientID: p.ClientID,
		OIDCSecret: p.ClientSecret, OIDCName: "ProConnect", OIDCTrustEmail: true}})
	p.Allow(n.URL+"/login/sso/callback", n.URL+"/")
	if _, err := n.Accounts.SetTierRule(context.Background(), nil, "*.gouv.fr", store.TierState); err != nil {
		t.Fatal(err)
	}
	return &ssoRig{n: n, p: p}
}

// toCallback runs a sign-in as subject up to the moment the provider sends
// the browser back, and returns the browser and the callback URL.
func (s *ssoRig) toCallback(t *testing.T, subject string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var callback string
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), s.n.URL+"/login/sso/callback") {
			callback = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	res, body := get(t, c, s.n.URL+"/login/sso?next=/settings/security")
	if res.StatusCode != 200 || !strings.Contains(body, "Fournisseur d'identité de test") {
		t.Fatalf("provider's sign-in page: %d %s", res.StatusCode, res.Request.URL)
	}
	id := res.Request.URL.Query().Get("id")
	res, err := c.PostForm(s.p.Issuer+"/login", url.Values{"id": {id}, "subject": {subject}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if callback == "" {
		t.Fatalf("the provider did not send the browser back: %d %s", res.StatusCode, res.Request.URL)
	}
	return c, callback
}

func (s *ssoRig) accounts(t *testing.T) int64 {
	var n int64
	if err := s.n.Pool.QueryRow(context.Background(), `select count(*) from accounts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// follow opens the callback (and what it redirects to).
func follow(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	c.CheckRedirect = nil
	return get(t, c, u)
}

// The first sign-in makes the account from the verified claims (tier from
// the address, name and organisation from ProConnect's claims); a later one
// finds it by subject; logout goes through the provider.
func TestSingleSignOn(t *testing.T) {
	s := newSSORig(t)
	c, callback := s.toCallback(t, "sub-angela")
	res, body := follow(t, c, callback)
	if res.Request.URL.Path != "/settings/security" || !strings.Contains(body, "Ce navigateur") {
		t.Fatalf("after the callback: %d %s", res.StatusCode, res.Request.URL)
	}
	acct, err := s.n.Store.AccountByEmail(context.Background(), "angela.dubois@interieur.gouv.fr")
	if err != nil {
		t.Fatal(err)
	}
	actor, _ := s.n.Store.ActorByID(context.Background(), acct.ActorID)
	if !acct.Active() || acct.Tier != store.TierState || acct.Username != "angela_dubois" || acct.HasPassword() ||
		actor.DisplayName != "Angela DUBOIS" || actor.UnitName != "Direction du numérique" || !strings.Contains(actor.Organisation, "11000201100044") {
		t.Errorf("account from the claims: %+v / %q %q %q", acct, actor.DisplayName, actor.UnitName, actor.Organisation)
	}
	// A second sign-in is the same account.
	before := s.accounts(t)
	c2, callback := s.toCallback(t, "sub-angela")
	follow(t, c2, callback)
	if s.accounts(t) != before {
		t.Error("a second sign-in made another account")
	}
	// Logout ends the provider's session too.
	_, body = get(t, c2, s.n.URL+"/settings/security")
	res, err = c2.PostForm(s.n.URL+"/logout", url.Values{"csrf": {csrfOf(t, body)}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if s.p.LoggedOut() != 1 || !strings.HasPrefix(res.Request.URL.String(), s.n.URL+"/?") {
		t.Errorf("logout: provider saw %d, browser at %s", s.p.LoggedOut(), res.Request.URL)
	}
}

// Every bad answer gets a clear page and makes no account.
func TestSingleSignOnRefusals(t *testing.T) {
	s := newSSORig(t)
	before := s.accounts(t)
	expect := func(name string, res *http.Response, body string, status int, message string) {
		t.Helper()
		if res.StatusCode != status || !strings.Contains(body, message) {
			t.Errorf("%s: %d, page lacks %q", name, res.StatusCode, message)
		}
		if n := s.accounts(t); n != before {
			t.Errorf("%s made an account", name)
		}
	}
	c, callback := s.toCallback(t, "sub-angela")
	u, _ := url.Parse(callback)
	q := u.Query()
	q.Set("state", "forged")
	u.RawQuery = q.Encode()
	res, body := follow(t, c, u.String())
	expect("a wrong state", res, body, 400, "Aucun compte n’a été créé")
	// The right state in another browser.
	res, body = follow(t, http.DefaultClient, callback)
	expect("another browser", res, body, 400, "commencée dans ce navigateur")

	// A code used twice: the provider refuses it the second time.
	c, callback = s.toCallback(t, "sub-bob")
	follow(t, c, callback)
	before = s.accounts(t)
	oldCode, _ := url.Parse(callback)
	c, callback = s.toCallback(t, "sub-bob")
	u, _ = url.Parse(callback)
	q = u.Query()
	q.Set("code", oldCode.Query().Get("code"))
	u.RawQuery = q.Encode()
	res, body = follow(t, c, u.String())
	expect("a replayed code", res, body, 400, "refusé")

	// A nonce that is not the one sent.
	c, callback = s.toCallback(t, "sub-angela")
	if _, err := s.n.Pool.Exec(context.Background(), `update oidc_logins set nonce = 'not-the-nonce'`); err != nil {
		t.Fatal(err)
	}
	res, body = follow(t, c, callback)
	expect("a bad nonce", res, body, 400, "ne se vérifie pas")

	s.p.Rewrite = func(c map[string]any) { c["aud"] = []string{"another-client"}; c["azp"] = "another-client" }
	c, callback = s.toCallback(t, "sub-angela")
	res, body = follow(t, c, callback)
	expect("another audience", res, body, 400, "ne se vérifie pas")

	s.p.Rewrite = func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }
	c, callback = s.toCallback(t, "sub-angela")
	res, body = follow(t, c, callback)
	expect("an expired ID token", res, body, 400, "ne se vérifie pas")
	s.p.Rewrite = nil

	for _, sub := range []string{"sub-unverified", "sub-noemail"} {
		c, callback = s.toCallback(t, sub)
		res, body = follow(t, c, callback)
		expect(sub, res, body, 400, "adresse électronique vérifiée")
	}

	// The provider goes down between the sign-in and the callback.
	c, callback = s.toCallback(t, "sub-angela")
	s.p.Stop()
	res, body = follow(t, c, callback)
	expect("a provider that is down", res, body, 502, "ne répond pas")
}

// An existing password account with the provider's address is linked only
// once its password is given.
func TestSingleSignOnLinksAfterPassword(t *testing.T) {
	s := newSSORig(t)
	s.n.CreateUser("bob", store.TierPartner, "") // bob@example.org
	c, callback := s.toCallback(t, "sub-bob")
	res, body := follow(t, c, callback)
	if !strings.HasPrefix(res.Request.URL.Path, "/login/sso/link/") {
		t.Fatalf("an existing address: %s", res.Request.URL)
	}
	link := res.Request.URL.String()
	res, err := c.PostForm(link, url.Values{"password": {"wrong"}, "csrf": {""}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("wrong password: %d", res.StatusCode)
	}
	if _, err := s.n.Store.AccountByIdentity(context.Background(), s.p.Issuer, "sub-bob"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("linked before the password: %v", err)
	}
	_ = body
	res, err = c.PostForm(link, url.Values{"password": {"password-bob"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	acct, err := s.n.Store.AccountByIdentity(context.Background(), s.p.Issuer, "sub-bob")
	if err != nil || acct.Username != "bob" {
		t.Fatalf("after the password: %v %v", acct, err)
	}
	// Next time the provider alone signs bob in.
	c, callback = s.toCallback(t, "sub-bob")
	res, _ = follow(t, c, callback)
	if res.Request.URL.Path != "/settings/security" {
		t.Errorf("linked sign-in: %s", res.Request.URL)
	}
}
