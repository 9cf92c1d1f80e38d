// Package ssotest runs a real OpenID provider in the test process (the op
// package of github.com/zitadel/oidc), shaped like ProConnect: discovery,
// code flow with PKCE, an ID token with little more than the subject and
// nonce, and the person's claims (email, given_name, usual_name, siret,
// organizational_unit) from the userinfo endpoint. Tests choose who signs
// in and can make the provider misbehave (another audience, expired
// tokens) or stop.
package ssotest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a person the provider knows.
type User struct {
	Subject            string
	Email              string
	EmailVerified      *bool // nil: no email_verified claim (ProConnect sends none)
	GivenName          string
	UsualName          string
	Siret              string
	OrganizationalUnit string
}

// Provider is the running provider.
type Provider struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// IDTokenLifetime is how long ID tokens live.
	IDTokenLifetime time.Duration
	// Rewrite, when set, changes the claims of the ID token the token
	// endpoint answers, re-signed with the provider's key: an ID token for
	// another audience, or an expired one, as a faulty or hostile provider
	// would send.
	Rewrite func(claims map[string]any)

	srv      *http.Server
	provider *op.Provider
	st       *storage
}

// Start runs a provider on a loopback port for one client, whose redirect
// URIs it accepts; it stops with the test.
func Start(t testing.TB, redirectURIs, postLogoutURIs []string, users ...User) *Provider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{Issuer: "http://" + ln.Addr().String(), ClientID: "archipel-test", ClientSecret: "s3cret-of-the-client",
		IDTokenLifetime: 5 * time.Minute}
	p.st = &storage{p: p, key: key, users: map[string]User{}, requests: map[string]*authRequest{}, codes: map[string]string{},
		tokens: map[string]accessToken{}, redirectURIs: redirectURIs, postLogoutURIs: postLogoutURIs}
	for _, u := range users {
		p.st.users[u.Subject] = u
	}
	var cryptoKey [32]byte
	_, _ = rand.Read(cryptoKey[:])
	p.provider, err = op.NewProvider(&op.Config{CryptoKey: cryptoKey, CodeMethodS256: true, AuthMethodPost: true,
		DefaultLogoutRedirectURI: "/logged-out"}, p.st, op.StaticIssuer(p.Issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", p.loginPage)
	mux.HandleFunc("POST /login", p.login)
	mux.HandleFunc("GET /logged-out", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("signed out")) })
	mux.Handle("/", p.rewriting(p.provider))
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	t.Cleanup(p.Stop)
	return p
}

// Stop shuts the provider down (a provider that is down, for tests).
func (p *Provider) Stop() { _ = p.srv.Close() }

// Allow accepts a redirect URI and a post-logout URI for the client (a
// node's URLs are known once it started).
func (p *Provider) Allow(redirectURI, postLogoutURI string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.redirectURIs = append(p.st.redirectURIs, redirectURI)
	p.st.postLogoutURIs = append(p.st.postLogoutURIs, postLogoutURI)
}

// AddUser makes a person known (or changes them).
func (p *Provider) AddUser(u User) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.users[u.Subject] = u
}

// LoggedOut counts the sessions ended through the end-session endpoint.
func (p *Provider) LoggedOut() int {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	return p.st.loggedOut
}

var loginTemplate = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Fournisseur d'identité de test</title></head>
<body><main><h1>Fournisseur d'identité de test</h1>
<form method="post" action="/login"><input type="hidden" name="id" value="{{.}}">
<label for="subject">Identifiant</label> <input id="subject" name="subject" autocomplete="username">
<button type="submit">Se connecter</button></form></main></body></html>`))

func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginTemplate.Execute(w, r.URL.Query().Get("id"))
}

// login signs the named person in for an authorization request.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	id, subject := r.PostFormValue("id"), r.PostFormValue("subject")
	p.st.mu.Lock()
	req, ok := p.st.requests[id]
	_, known := p.st.users[subject]
	if ok && known {
		req.subject, req.done, req.authTime = subject, true, time.Now()
	}
	p.st.mu.Unlock()
	if !ok || !known {
		http.Error(w, "unknown request or person", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, op.AuthCallbackURL(p.provider)(r.Context(), id), http.StatusFound)
}

type storage struct {
	p              *Provider
	key            *rsa.PrivateKey
	redirectURIs   []string
	postLogoutURIs []string

	mu        sync.Mutex
	users     map[string]User
	requests  map[string]*authRequest
	codes     map[string]string // code → request id
	tokens    map[string]accessToken
	loggedOut int
}

type accessToken struct {
	subject string
	expires time.Time
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return oidcEncode(b)
}

func oidcEncode(b []byte) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(out)
}

var errNotFound = errors.New("not found")

func (s *storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := &authRequest{id: newID(), r: r}
	if r.CodeChallenge != "" {
		req.challenge = &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}
	}
	s.requests[req.id] = req
	return req, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.requests[id]; ok {
		return r, nil
	}
	return nil, errNotFound
}

func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.requests[s.codes[code]]; ok {
		return r, nil
	}
	return nil, errNotFound
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest runs once the code is exchanged: a replayed code finds
// nothing.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, rid := range s.codes {
		if rid == id {
			delete(s.codes, c)
		}
	}
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, exp := newID(), time.Now().Add(5*time.Minute)
	s.tokens[id] = accessToken{subject: r.GetSubject(), expires: exp}
	return id, exp, nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("no refresh tokens")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(context.Context, string, string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loggedOut++
	return nil
}

func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error { return nil }

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

type signingKey struct{ key *rsa.PrivateKey }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return "test-key" }

type publicKey struct{ key *rsa.PrivateKey }

func (k publicKey) ID() string                         { return "test-key" }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return signingKey{s.key}, nil }
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}
func (s *storage) KeySet(context.Context) ([]op.Key, error) { return []op.Key{publicKey{s.key}}, nil }

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.p.ClientID {
		return nil, errNotFound
	}
	return &client{s: s}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != s.p.ClientID || secret != s.p.ClientSecret {
		return errors.New("wrong client")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest keeps the ID token to the subject, as ProConnect does.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, r op.IDTokenRequest, _ []string) error {
	info.Subject = r.GetSubject()
	return nil
}

// SetUserinfoFromToken answers the userinfo endpoint with the person's claims.
func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.tokens[tokenID]
	if !ok || time.Now().After(tok.expires) {
		return errors.New("token expired")
	}
	u, ok := s.users[tok.subject]
	if !ok {
		return errNotFound
	}
	info.Subject = u.Subject
	info.Email = u.Email
	if u.EmailVerified != nil {
		// oidc.UserInfo omits a false email_verified; say it.
		info.AppendClaims("email_verified", *u.EmailVerified)
	}
	info.GivenName = u.GivenName
	info.AppendClaims("usual_name", u.UsualName)
	info.AppendClaims("siret", u.Siret)
	info.AppendClaims("organizational_unit", u.OrganizationalUnit)
	return nil
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("no introspection")
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotFound
}

func (s *storage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

func (s *storage) Health(context.Context) error { return nil }

type client struct{ s *storage }

func (c *client) GetID() string                       { return c.s.p.ClientID }
func (c *client) RedirectURIs() []string              { return c.s.redirectURIs }
func (c *client) PostLogoutRedirectURIs() []string    { return c.s.postLogoutURIs }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType         { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c *client) LoginURL(id string) string            { return "/login?id=" + id }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return c.s.p.IDTokenLifetime }
func (c *client) DevMode() bool                        { return true }
func (c *client) IsScopeAllowed(scope string) bool     { return true }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

type authRequest struct {
	id        string
	r         *oidc.AuthRequest
	challenge *oidc.CodeChallenge
	subject   string
	done      bool
	authTime  time.Time
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "eidas1" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.r.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.r.Nonce }
func (a *authRequest) GetRedirectURI() string                { return a.r.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.r.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.r.ResponseMode }
func (a *authRequest) GetScopes() []string                   { return a.r.Scopes }
func (a *authRequest) GetState() string                      { return a.r.State }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }

func (a *authRequest) GetAudience() []string { return []string{a.r.ClientID} }

// rewriting re-signs the token endpoint's ID token after Rewrite.
func (p *Provider) rewriting(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.Rewrite == nil || r.URL.Path != "/oauth/token" {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err == nil {
			if raw, ok := body["id_token"].(string); ok {
				if forged, err := p.resign(raw); err == nil {
					body["id_token"] = forged
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_ = json.NewEncoder(w).Encode(body)
	})
}

func (p *Provider) resign(raw string) (string, error) {
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "", err
	}
	var claims map[string]any
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		return "", err
	}
	p.Rewrite(claims)
	payload, _ := json.Marshal(claims)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.st.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "test-key"))
	if err != nil {
		return "", err
	}
	out, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return out.CompactSerialize()
}
