// Package oauth holds the rules of Mastodon's OAuth 2 authorisation server:
// registered apps, authorization codes (with PKCE), access tokens with
// scopes, and their revocation. Tokens, codes and client secrets are random
// and stored hashed (SHA-256). The HTTP endpoints live in web/auth.
package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/store"
)

// OOB is the redirect URI of apps that show the code to copy instead of
// being redirected (RFC 8252's out-of-band, as Mastodon keeps it).
const OOB = "urn:ietf:wg:oauth:2.0:oob"

// Limits.
const (
	CodeLifetime    = 10 * time.Minute
	MaxAppName      = 100
	MaxWebsite      = 500
	MaxRedirectURIs = 10
	secretBytes     = 32
)

// Error is an OAuth error (RFC 6749 §5.2), answered as
// {"error": Code, "error_description": Description}.
type Error struct {
	Code        string
	Description string
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

func oauthErr(code, desc string) *Error { return &Error{Code: code, Description: desc} }

// Service applies the rules on a store.
type Service struct {
	Store    *store.Store
	Accounts *accounts.Service
}

// Grant is what a valid access token gives: an account (nil for an app's
// own token), the app (nil for a personal token) and the scopes.
type Grant struct {
	TokenID int64
	Account *store.Account
	App     *store.OAuthApp
	Scopes  Scopes
}

func randomToken() string {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash is how tokens, codes and secrets are stored.
func Hash(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

// NewApp is what POST /api/v1/apps gives.
type NewApp struct {
	Name         string
	RedirectURIs []string
	Scopes       string
	Website      string
}

// RegisterApp registers a client; the secret is returned once and kept
// only hashed. The caller has checked each redirect URI's form (web's
// redirect.ClientURI).
func (s *Service) RegisterApp(ctx context.Context, in NewApp) (*store.OAuthApp, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		return nil, "", &accounts.FieldError{Field: "client_name", Message: "required"}
	case utf8.RuneCountInString(in.Name) > MaxAppName || !utf8.ValidString(in.Name) || strings.ContainsFunc(in.Name, isControl):
		return nil, "", &accounts.FieldError{Field: "client_name", Message: "at most 100 printable characters"}
	case len(in.Website) > MaxWebsite || strings.ContainsFunc(in.Website, isControl):
		return nil, "", &accounts.FieldError{Field: "website", Message: "at most 500 printable characters"}
	case len(in.RedirectURIs) == 0:
		return nil, "", &accounts.FieldError{Field: "redirect_uris", Message: "required"}
	case len(in.RedirectURIs) > MaxRedirectURIs:
		return nil, "", &accounts.FieldError{Field: "redirect_uris", Message: "at most 10"}
	}
	scopes, err := ParseScopes(in.Scopes)
	if err != nil {
		return nil, "", &accounts.FieldError{Field: "scopes", Message: err.(*Error).Description}
	}
	secret := randomToken()
	app := &store.OAuthApp{ClientID: randomToken(), SecretHash: Hash(secret), Name: in.Name, Website: in.Website,
		RedirectURIs: in.RedirectURIs, Scopes: scopes.String()}
	if err := s.Store.CreateApp(ctx, app); err != nil {
		return nil, "", err
	}
	return app, secret, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// Client authenticates an app by its id and secret (for the token and
// revoke endpoints).
func (s *Service) Client(ctx context.Context, clientID, secret string) (*store.OAuthApp, error) {
	if clientID == "" || len(clientID) > 100 || len(secret) > 200 {
		return nil, oauthErr("invalid_client", "unknown client or wrong secret")
	}
	app, err := s.Store.AppByClientID(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oauthErr("invalid_client", "unknown client or wrong secret")
	} else if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(Hash(secret), app.SecretHash) != 1 {
		return nil, oauthErr("invalid_client", "unknown client or wrong secret")
	}
	return app, nil
}

// Authorization is what the authorize endpoint was asked for, checked.
type Authorization struct {
	App                 *store.OAuthApp
	RedirectURI         string
	Scopes              Scopes
	CodeChallenge       string
	CodeChallengeMethod string
	State               string
}

// CheckAuthorization validates an authorization request before the
// sign-in and consent pages: the app exists, the redirect URI is one it
// registered (exactly), the scopes are within its own, and a PKCE challenge
// is S256. An error with a redirect URI that is not the app's must not be
// sent to that URI.
func (s *Service) CheckAuthorization(ctx context.Context, clientID, redirectURI, responseType, scope, challenge, method, state string) (*Authorization, error) {
	app, err := s.Store.AppByClientID(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) || clientID == "" {
		return nil, oauthErr("invalid_client", "unknown client_id")
	} else if err != nil {
		return nil, err
	}
	if redirectURI == "" && len(app.RedirectURIs) == 1 {
		redirectURI = app.RedirectURIs[0]
	}
	if !slices.Contains(app.RedirectURIs, redirectURI) {
		return nil, oauthErr("invalid_request", "redirect_uri is not one the app registered")
	}
	a := &Authorization{App: app, RedirectURI: redirectURI, State: state}
	if responseType != "code" {
		return a, oauthErr("unsupported_response_type", "only response_type=code is supported")
	}
	if a.Scopes, err = ParseScopes(scope); err != nil {
		return a, err
	}
	registered, _ := ParseScopes(app.Scopes)
	if !a.Scopes.Within(registered) {
		return a, oauthErr("invalid_scope", "the app did not register all of these scopes")
	}
	switch {
	case challenge == "" && method == "":
	case method == "S256" && len(challenge) >= 43 && len(challenge) <= 128:
		a.CodeChallenge, a.CodeChallengeMethod = challenge, method
	default:
		return a, oauthErr("invalid_request", "code_challenge_method must be S256, with a 43 to 128 character challenge")
	}
	return a, nil
}

// IssueCode gives the code for an authorization the account consented to.
func (s *Service) IssueCode(ctx context.Context, a *Authorization, acct *store.Account) (string, error) {
	if !acct.Active() {
		return "", accounts.ErrNotActive
	}
	code := randomToken()
	err := s.Store.CreateCode(ctx, Hash(code), &store.OAuthCode{AppID: a.App.ID, AccountID: acct.ID, RedirectURI: a.RedirectURI,
		Scopes: a.Scopes.String(), CodeChallenge: a.CodeChallenge, CodeChallengeMethod: a.CodeChallengeMethod,
		ExpiresAt: time.Now().Add(CodeLifetime)})
	return code, err
}

// Token is an access token as the token endpoint answers it.
type Token struct {
	AccessToken string
	Scopes      Scopes
	CreatedAt   time.Time
}

// ExchangeCode is the authorization_code grant: the code, used once, by the
// app it was given to, with the same redirect URI, and with the PKCE
// verifier when the authorization had a challenge. A code that comes back
// revokes the token it gave (RFC 6749 §4.1.2).
func (s *Service) ExchangeCode(ctx context.Context, app *store.OAuthApp, code, redirectURI, verifier string) (*Token, error) {
	if code == "" || len(code) > 100 {
		return nil, oauthErr("invalid_grant", "unknown or expired code")
	}
	var tok *Token
	var replayed *int64
	err := s.Store.Tx(ctx, func(tx *store.Store) error {
		c, err := tx.UseCode(ctx, Hash(code))
		if errors.Is(err, store.ErrNotFound) {
			return oauthErr("invalid_grant", "unknown or expired code")
		} else if err != nil {
			return err
		}
		if c.UsedAt != nil {
			replayed = c.TokenID
			return oauthErr("invalid_grant", "this code was used already")
		}
		switch {
		case c.AppID != app.ID:
			return oauthErr("invalid_grant", "this code belongs to another client")
		case time.Now().After(c.ExpiresAt):
			return oauthErr("invalid_grant", "unknown or expired code")
		case redirectURI != "" && redirectURI != c.RedirectURI, redirectURI == "" && len(app.RedirectURIs) > 1:
			return oauthErr("invalid_grant", "redirect_uri differs from the authorization's")
		}
		if c.CodeChallenge != "" {
			if verifier == "" {
				return oauthErr("invalid_grant", "code_verifier required (the authorization had a code_challenge)")
			}
			if subtle.ConstantTimeCompare([]byte(oauth2.S256ChallengeFromVerifier(verifier)), []byte(c.CodeChallenge)) != 1 {
				return oauthErr("invalid_grant", "code_verifier does not match the code_challenge")
			}
		}
		acct, err := tx.AccountByID(ctx, c.AccountID)
		if err != nil {
			return err
		}
		if !acct.Active() {
			return oauthErr("invalid_grant", "the account may not sign in")
		}
		scopes, _ := ParseScopes(c.Scopes)
		var id int64
		if tok, id, err = issue(ctx, tx, &acct.ID, &app.ID, app.Name, scopes); err != nil {
			return err
		}
		return tx.SetCodeToken(ctx, Hash(code), id)
	})
	if replayed != nil {
		_ = s.Store.DeleteTokenByID(ctx, *replayed)
	}
	return tok, err
}

// issue stores a new token.
func issue(ctx context.Context, tx *store.Store, accountID, appID *int64, name string, scopes Scopes) (*Token, int64, error) {
	access := randomToken()
	row := &store.Token{AccountID: accountID, AppID: appID, Name: name, Scopes: scopes.String()}
	if err := tx.InsertToken(ctx, Hash(access), row); err != nil {
		return nil, 0, err
	}
	return &Token{AccessToken: access, Scopes: scopes, CreatedAt: row.CreatedAt}, row.ID, nil
}

// requestedScopes reads the scope parameter of a token request: empty is
// the app's registered scopes (capped to DefaultScopes' meaning by Mastodon
// as "read"); more than the app registered is refused.
func requestedScopes(app *store.OAuthApp, scope string) (Scopes, error) {
	registered, _ := ParseScopes(app.Scopes)
	if strings.TrimSpace(scope) == "" {
		return ParseScopes(DefaultScopes)
	}
	scopes, err := ParseScopes(scope)
	if err != nil {
		return nil, err
	}
	if !scopes.Within(registered) {
		return nil, oauthErr("invalid_scope", "the app did not register all of these scopes")
	}
	return scopes, nil
}

// ClientCredentials is the client_credentials grant: a token of the app
// itself, tied to no account (it reads what anyone may, and can call
// /api/v1/apps/verify_credentials).
func (s *Service) ClientCredentials(ctx context.Context, app *store.OAuthApp, scope string) (*Token, error) {
	scopes, err := requestedScopes(app, scope)
	if err != nil {
		return nil, err
	}
	tok, _, err := issue(ctx, s.Store, nil, &app.ID, app.Name, scopes)
	return tok, err
}

// Password is the password grant (toot's login_cli, some scripts): the
// account's own username or address and password, under the same
// throttling as the sign-in page. Accounts without a password (single
// sign-on) cannot use it.
func (s *Service) Password(ctx context.Context, app *store.OAuthApp, username, password, scope, client string) (*Token, error) {
	scopes, err := requestedScopes(app, scope)
	if err != nil {
		return nil, err
	}
	acct, err := s.Accounts.LoginFrom(ctx, username, password, client)
	if errors.Is(err, accounts.ErrUnauthenticated) {
		return nil, oauthErr("invalid_grant", "wrong username or password")
	} else if err != nil {
		return nil, err
	}
	if !acct.Active() {
		return nil, oauthErr("invalid_grant", "confirm your e-mail address first (or wait for an admin's approval)")
	}
	tok, _, err := issue(ctx, s.Store, &acct.ID, &app.ID, app.Name, scopes)
	return tok, err
}

// Authenticate finds what a bearer token grants. A token of an account
// that may not act (unconfirmed, awaiting approval) is refused with
// accounts.ErrNotActive.
func (s *Service) Authenticate(ctx context.Context, token string) (*Grant, error) {
	if token == "" || len(token) > 256 {
		return nil, accounts.ErrUnauthenticated
	}
	t, err := s.Store.TokenByHash(ctx, Hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, accounts.ErrUnauthenticated
	} else if err != nil {
		return nil, err
	}
	g := &Grant{TokenID: t.ID}
	g.Scopes, _ = ParseScopes(t.Scopes)
	if t.AppID != nil {
		if g.App, err = s.Store.AppByID(ctx, *t.AppID); err != nil {
			return nil, err
		}
	}
	if t.AccountID != nil {
		if g.Account, err = s.Store.AccountByID(ctx, *t.AccountID); err != nil {
			return nil, err
		}
		if !g.Account.Active() {
			return nil, accounts.ErrNotActive
		}
	}
	return g, nil
}

// Revoke is RFC 7009: the app's own token goes; an unknown token, or one of
// another app, is not an error (the answer is the same).
func (s *Service) Revoke(ctx context.Context, app *store.OAuthApp, token string) error {
	if token == "" || len(token) > 256 {
		return nil
	}
	_, err := s.Store.DeleteTokenByHash(ctx, Hash(token), &app.ID)
	return err
}

// RevokeApp ends an app's access to an account (the settings page).
func (s *Service) RevokeApp(ctx context.Context, acct *store.Account, appID int64) error {
	return s.Store.DeleteAppTokens(ctx, acct.ID, appID)
}

// RevokeToken ends one of an account's tokens (the settings page).
func (s *Service) RevokeToken(ctx context.Context, acct *store.Account, tokenID int64) error {
	ok, err := s.Store.DeleteToken(ctx, acct.ID, tokenID)
	if err == nil && !ok {
		return store.ErrNotFound
	}
	return err
}
