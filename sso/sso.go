// Package sso signs people in through an OpenID Connect provider, shaped
// like ProConnect (the French State's identity federation): discovery,
// the authorization code flow with PKCE, state and nonce, the ID token
// verified (signature, issuer, audience, expiry, nonce), the person's
// claims from the ID token and the userinfo endpoint, and logout through
// the provider's end_session_endpoint. It knows no accounts: accounts/sso.go
// decides who the identity is here.
package sso

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config is a provider and this node's client at it.
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this node's callback (<public URL>/login/sso/callback),
	// registered at the provider.
	RedirectURL string
	// TrustEmail takes the e-mail as verified without an email_verified
	// claim (a provider that vouches for every address, like ProConnect);
	// an email_verified of false is refused all the same.
	TrustEmail bool
	// HTTP is the client for the provider (the SSRF-safe one).
	HTTP *http.Client
}

// Scopes asked for: OpenID's and ProConnect's.
var Scopes = []string{oidc.ScopeOpenID, "email", "given_name", "usual_name", "siret", "organizational_unit"}

// Errors a sign-in can end with; each gets its own message page.
var (
	ErrProviderDown    = errors.New("the identity provider does not answer")
	ErrRefused         = errors.New("the identity provider refused the sign-in")
	ErrBadToken        = errors.New("the identity provider's answer does not verify")
	ErrEmailUnverified = errors.New("the identity provider does not vouch for the e-mail address")
	ErrNoEmail         = errors.New("the identity provider gave no e-mail address")
)

// Identity is who the provider says signed in.
type Identity struct {
	Issuer             string
	Subject            string
	Email              string
	GivenName          string
	FamilyName         string // usual_name, or family_name
	Siret              string
	OrganizationalUnit string
}

// DisplayName is "Given Family".
func (i *Identity) DisplayName() string {
	return strings.TrimSpace(i.GivenName + " " + i.FamilyName)
}

// Provider is a discovered provider. Discovery is retried at each sign-in
// until it succeeds, so a node starts while its provider is down.
type Provider struct {
	cfg Config

	mu         sync.Mutex
	oidc       *oidc.Provider
	endSession string
}

// New prepares a provider; nothing is fetched yet.
func New(cfg Config) *Provider { return &Provider{cfg: cfg} }

func (p *Provider) ctx(ctx context.Context) context.Context {
	if p.cfg.HTTP == nil {
		return ctx
	}
	return oidc.ClientContext(ctx, p.cfg.HTTP)
}

func (p *Provider) discover(ctx context.Context) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oidc != nil {
		return p.oidc, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	op, err := oidc.NewProvider(p.ctx(ctx), p.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: discovery: %v", ErrProviderDown, err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = op.Claims(&extra)
	p.oidc, p.endSession = op, extra.EndSession
	return op, nil
}

func (p *Provider) oauth2(op *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: p.cfg.RedirectURL, Scopes: Scopes}
}

// Start is a new sign-in: the secrets to keep (bound to the browser) until
// the callback, and the provider's URL to send the browser to.
type Start struct {
	URL, State, Nonce, Verifier string
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Begin starts a sign-in.
func (p *Provider) Begin(ctx context.Context) (*Start, error) {
	op, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	s := &Start{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier()}
	s.URL = p.oauth2(op).AuthCodeURL(s.State, oidc.Nonce(s.Nonce), oauth2.S256ChallengeOption(s.Verifier),
		oauth2.SetAuthURLParam("acr_values", "eidas1"))
	return s, nil
}

// Finish exchanges the code (with the PKCE verifier), verifies the ID
// token and its nonce, reads the claims, and returns the identity and the
// raw ID token (the logout wants it back).
func (p *Provider) Finish(ctx context.Context, code, verifier, nonce string) (*Identity, string, error) {
	op, err := p.discover(ctx)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(p.ctx(ctx), 30*time.Second)
	defer cancel()
	tok, err := p.oauth2(op).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return nil, "", fmt.Errorf("%w: %s", ErrRefused, re.ErrorCode)
		}
		return nil, "", fmt.Errorf("%w: token endpoint: %v", ErrProviderDown, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, "", fmt.Errorf("%w: no id_token", ErrBadToken)
	}
	idt, err := op.VerifierContext(ctx, &oidc.Config{ClientID: p.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if idt.Nonce != nonce {
		return nil, "", fmt.Errorf("%w: nonce differs", ErrBadToken)
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if op.UserInfoEndpoint() != "" {
		info, err := op.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return nil, "", fmt.Errorf("%w: userinfo: %v", ErrProviderDown, err)
		}
		if info.Subject != idt.Subject {
			return nil, "", fmt.Errorf("%w: userinfo is about another subject", ErrBadToken)
		}
		var more claims
		if err := info.Claims(&more); err != nil {
			return nil, "", fmt.Errorf("%w: %v", ErrBadToken, err)
		}
		c.merge(more)
	}
	id := &Identity{Issuer: idt.Issuer, Subject: idt.Subject, Email: strings.TrimSpace(c.Email), GivenName: c.GivenName,
		FamilyName: c.UsualName, Siret: c.Siret, OrganizationalUnit: c.OrganizationalUnit}
	if id.FamilyName == "" {
		id.FamilyName = c.FamilyName
	}
	switch {
	case id.Email == "":
		return nil, "", ErrNoEmail
	case c.EmailVerified != nil && !bool(*c.EmailVerified):
		return nil, "", ErrEmailUnverified
	case c.EmailVerified == nil && !p.cfg.TrustEmail:
		return nil, "", ErrEmailUnverified
	}
	return id, raw, nil
}

// claims are the ones read from the ID token and userinfo.
type claims struct {
	Email              string    `json:"email"`
	EmailVerified      *flexBool `json:"email_verified"`
	GivenName          string    `json:"given_name"`
	UsualName          string    `json:"usual_name"`
	FamilyName         string    `json:"family_name"`
	Siret              string    `json:"siret"`
	OrganizationalUnit string    `json:"organizational_unit"`
}

func (c *claims) merge(o claims) {
	for _, f := range []struct{ dst, src *string }{{&c.Email, &o.Email}, {&c.GivenName, &o.GivenName},
		{&c.UsualName, &o.UsualName}, {&c.FamilyName, &o.FamilyName}, {&c.Siret, &o.Siret},
		{&c.OrganizationalUnit, &o.OrganizationalUnit}} {
		if *f.src != "" {
			*f.dst = *f.src
		}
	}
	if o.EmailVerified != nil {
		c.EmailVerified = o.EmailVerified
	}
}

// flexBool reads true, "true", false and "false" (some providers send strings).
type flexBool bool

func (b *flexBool) UnmarshalJSON(raw []byte) error {
	switch strings.Trim(string(raw), `"`) {
	case "true":
		*b = true
	case "false":
		*b = false
	default:
		return fmt.Errorf("email_verified: %s", raw)
	}
	return nil
}

// LogoutURL is where to send the browser to end the provider's session too
// (ok is false when the provider has no end_session_endpoint).
func (p *Provider) LogoutURL(ctx context.Context, idToken, postLogout string) (string, bool) {
	if _, err := p.discover(ctx); err != nil || p.endSession == "" || idToken == "" {
		return "", false
	}
	u, err := url.Parse(p.endSession)
	if err != nil {
		return "", false
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("post_logout_redirect_uri", postLogout)
	q.Set("state", random())
	u.RawQuery = q.Encode()
	return u.String(), true
}
