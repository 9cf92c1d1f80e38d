package accounts

import (
	"context"
	"crypto/subtle"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/archipel-social/archipel/sso"
	"github.com/archipel-social/archipel/store"
)

// Single sign-on: which account a provider's identity is.
const (
	// SSOLoginLifetime bounds the round trip to the provider.
	SSOLoginLifetime = 10 * time.Minute
	// SSOLinkLifetime bounds the wait for an existing account's password.
	SSOLinkLifetime = 15 * time.Minute
)

// Errors of single sign-on.
var (
	// ErrBadState is a callback whose state is unknown, used, expired or
	// started in another browser.
	ErrBadState = errors.New("this sign-in was not started here, or is over")
	// ErrLinkNeeded is an identity whose address belongs to an existing
	// password account: its owner must give the password once.
	ErrLinkNeeded = errors.New("an account with this address exists: give its password to link it")
)

// StartSSO records a sign-in under way: its state (hashed), nonce and PKCE
// verifier, bound to the browser by the token returned for a cookie.
func (s *Service) StartSSO(ctx context.Context, state, nonce, verifier, next string) (string, error) {
	browser, hash := newLinkToken()
	err := s.Store.CreateOIDCLogin(ctx, hashLinkToken(state), &store.OIDCLogin{BrowserHash: hash, Nonce: nonce,
		Verifier: verifier, Next: next, ExpiresAt: time.Now().Add(SSOLoginLifetime)})
	return browser, err
}

// TakeSSO ends a sign-in under way at its callback: the state must be one
// this node started, in this browser, not used and not expired.
func (s *Service) TakeSSO(ctx context.Context, state, browser string) (*store.OIDCLogin, error) {
	if state == "" || len(state) > 200 || browser == "" || len(browser) > 200 {
		return nil, ErrBadState
	}
	l, err := s.Store.TakeOIDCLogin(ctx, hashLinkToken(state))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrBadState
	} else if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(l.BrowserHash, hashLinkToken(browser)) != 1 || time.Now().After(l.ExpiresAt) {
		return nil, ErrBadState
	}
	return l, nil
}

// SignInSSO finds or makes the account of a verified identity. A known
// (issuer, subject) is that account: its address and tier follow the
// provider's address. An unknown one whose address belongs to an account
// is not linked before that account's password is given (ErrLinkNeeded,
// with the token of the linking page). Otherwise a new, confirmed account
// is made, its tier from the tier rules, its name and organisation from
// the claims; in approval mode it waits for an admin, and none is made
// when sign-ups are closed.
func (s *Service) SignInSSO(ctx context.Context, id *sso.Identity, idToken string) (*store.Account, string, error) {
	if err := ValidateEmail(id.Email); err != nil {
		return nil, "", sso.ErrNoEmail
	}
	acct, err := s.Store.AccountByIdentity(ctx, id.Issuer, id.Subject)
	if err == nil {
		return acct, "", s.followProviderAddress(ctx, acct, id)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, "", err
	}
	if existing, err := s.Store.AccountByEmail(ctx, id.Email); err == nil {
		tok, hash := newLinkToken()
		err := s.Store.CreatePendingLink(ctx, hash, &store.OIDCPendingLink{AccountID: existing.ID, Issuer: id.Issuer,
			Subject: id.Subject, Email: id.Email, IDToken: idToken, ExpiresAt: time.Now().Add(SSOLinkLifetime)})
		if err != nil {
			return nil, "", err
		}
		return nil, tok, ErrLinkNeeded
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, "", err
	}
	mode := s.RegistrationMode()
	if mode == RegistrationsClosed {
		return nil, "", ErrRegistrationsClosed
	}
	username, err := s.freeUsername(ctx, id.Email)
	if err != nil {
		return nil, "", err
	}
	now := time.Now()
	var approved *time.Time
	if mode == RegistrationsOpen {
		approved = &now
	}
	name := id.DisplayName()
	if len([]rune(name)) > MaxDisplayName {
		name = string([]rune(name)[:MaxDisplayName])
	}
	reg := Registration{Username: username, Email: id.Email, DisplayName: cleanClaim(name), Role: store.RoleMember}
	acct, _, err = s.create(ctx, reg, &now, approved, func(tx *store.Store, acct *store.Account) error {
		if err := tx.LinkIdentity(ctx, id.Issuer, id.Subject, acct.ID, id.Email); err != nil {
			return err
		}
		actor, err := tx.ActorByID(ctx, acct.ActorID)
		if err != nil {
			return err
		}
		if id.Siret != "" {
			actor.Organisation = cleanClaim("SIRET " + id.Siret)
		}
		actor.UnitName = cleanClaim(id.OrganizationalUnit)
		return tx.UpdateProfile(ctx, actor)
	})
	return acct, "", err
}

// followProviderAddress applies a changed address from the provider: it is
// verified, so the new tier applies at once, whichever way it goes.
func (s *Service) followProviderAddress(ctx context.Context, acct *store.Account, id *sso.Identity) error {
	return s.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LinkIdentity(ctx, id.Issuer, id.Subject, acct.ID, id.Email); err != nil {
			return err
		}
		if strings.EqualFold(acct.Email, id.Email) {
			return nil
		}
		if err := tx.ConfirmAddress(ctx, acct.ID, id.Email); err != nil {
			var ce *store.ConflictError
			if errors.As(err, &ce) {
				return nil // another account has it: keep the old address
			}
			return err
		}
		tier, err := s.tierIn(ctx, tx, id.Email)
		if err != nil {
			return err
		}
		acct.Email = id.Email
		return s.applyTier(ctx, tx, acct, tier)
	})
}

// LinkSSO links a pending identity once the existing account's password is
// given (throttled like any sign-in); it returns the account and the ID
// token of the sign-in.
func (s *Service) LinkSSO(ctx context.Context, token, password, client string) (*store.Account, string, error) {
	if token == "" || len(token) > 100 {
		return nil, "", ErrLinkInvalid
	}
	l, err := s.Store.PendingLink(ctx, hashLinkToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", ErrLinkInvalid
	} else if err != nil {
		return nil, "", err
	}
	owner, err := s.Store.AccountByID(ctx, l.AccountID)
	if err != nil {
		return nil, "", err
	}
	acct, err := s.loginAccount(ctx, owner, password, client)
	if err != nil {
		return nil, "", err
	}
	err = s.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LinkIdentity(ctx, l.Issuer, l.Subject, acct.ID, l.Email); err != nil {
			return err
		}
		return tx.DeletePendingLink(ctx, hashLinkToken(token))
	})
	return acct, l.IDToken, err
}

// loginAccount checks the password of a known account with LoginFrom's
// throttling, even where password sign-in is off (the link proves the
// owner, once).
func (s *Service) loginAccount(ctx context.Context, acct *store.Account, password, client string) (*store.Account, error) {
	s2 := *s
	s2.PasswordLoginOff = false
	return s2.LoginFrom(ctx, acct.Username, password, client)
}

var notHandle = regexp.MustCompile(`[^a-z0-9_]+`)

// freeUsername makes a handle from an address's local part ("jean.dupont"
// → "jean_dupont"), with a number when taken.
func (s *Service) freeUsername(ctx context.Context, email string) (string, error) {
	base := strings.Trim(notHandle.ReplaceAllString(strings.ToLower(email[:strings.LastIndex(email, "@")]), "_"), "_")
	if len(base) > MaxUsername-4 {
		base = base[:MaxUsername-4]
	}
	if base == "" || ValidateUsername(base) != nil {
		base = "agent"
	}
	for i := 0; i < 1000; i++ {
		name := base
		if i > 0 {
			name = base + strconv.Itoa(i+1)
		}
		if _, err := s.Store.AccountByUsername(ctx, name); errors.Is(err, store.ErrNotFound) {
			if _, err := s.Store.LocalActorByUsername(ctx, name); errors.Is(err, store.ErrNotFound) {
				return name, nil
			}
		} else if err != nil {
			return "", err
		}
	}
	return "", fieldErr("username", "no free handle for this address")
}

// cleanClaim drops control characters and trims a provider's text.
func cleanClaim(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len([]rune(s)) > MaxProfileField {
		s = string([]rune(s)[:MaxProfileField])
	}
	return strings.TrimSpace(s)
}
