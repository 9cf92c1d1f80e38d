package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/archipel-social/archipel/mail"
	"github.com/archipel-social/archipel/store"
)

// Sign-up modes (ARCHIPEL_REGISTRATIONS).
const (
	RegistrationsOpen     = "open"     // anyone with a confirmed address
	RegistrationsApproval = "approval" // and an admin approves each sign-up
	RegistrationsClosed   = "closed"   // accounts are made by admins only
)

// Lifetimes and limits of the links sent by mail.
const (
	ConfirmLinkLifetime = 48 * time.Hour
	ResetLinkLifetime   = time.Hour
	// MinResendInterval is how long a new confirmation or reset mail waits
	// after the last one; MaxLinksPerDay bounds them all.
	MinResendInterval = time.Minute
	MaxLinksPerDay    = 10
	MaxReason         = 500
	linkTokenBytes    = 32
)

// Errors of sign-up and of the mailed links.
var (
	ErrRegistrationsClosed = errors.New("sign-ups are closed on this node")
	// ErrLinkInvalid covers an unknown, used or expired link alike.
	ErrLinkInvalid = errors.New("this link is not valid (used already, or expired)")
	// ErrNotActive is an account that may not act yet (its address is not
	// confirmed, or its sign-up not approved); it is a kind of ErrForbidden.
	ErrNotActive = fmt.Errorf("%w: confirm your e-mail address first (or wait for an admin's approval)", ErrForbidden)
	// ErrNothingToConfirm is a resend for an address confirmed already.
	ErrNothingToConfirm = errors.New("the address is confirmed already")
)

// TooSoonError is a mail asked again before its time.
type TooSoonError struct{ RetryAfter time.Duration }

func (e *TooSoonError) Error() string {
	return fmt.Sprintf("too soon: try again in %s", e.RetryAfter.Round(time.Second))
}

// ValidRegistrations tells whether m is a sign-up mode.
func ValidRegistrations(m string) bool {
	return m == RegistrationsOpen || m == RegistrationsApproval || m == RegistrationsClosed
}

// RegistrationMode is the node's sign-up mode.
func (s *Service) RegistrationMode() string {
	if s.Registrations == "" {
		return RegistrationsOpen
	}
	return s.Registrations
}

// SignUp is what someone gives to create their own account.
type SignUp struct {
	Username    string
	Email       string
	Password    string
	DisplayName string
	Lang        string
	// Reason is what the applicant tells the admins (approval mode).
	Reason string
}

// SignUp creates an unconfirmed account and mails its confirmation link,
// in one transaction. The account has no rights, and its tier is the
// lowest, until the link is followed (ConfirmAddress); in approval mode an
// admin must also approve it.
func (s *Service) SignUp(ctx context.Context, r SignUp) (*store.Account, error) {
	mode := s.RegistrationMode()
	if mode == RegistrationsClosed {
		return nil, ErrRegistrationsClosed
	}
	reason := strings.TrimSpace(r.Reason)
	if err := checkText("reason", reason, MaxReason); err != nil {
		return nil, err
	}
	if r.Password == "" {
		return nil, fieldErr("password", "between %d and %d characters", MinPassword, MaxPassword)
	}
	var approved *time.Time
	if mode == RegistrationsOpen {
		now := time.Now()
		approved = &now
	}
	reg := Registration{Username: r.Username, Email: r.Email, Password: r.Password, DisplayName: r.DisplayName,
		Tier: store.TierPartner, Role: store.RoleMember, Lang: r.Lang, Reason: reason}
	acct, _, err := s.create(ctx, reg, nil, approved, func(tx *store.Store, acct *store.Account) error {
		return s.mailLink(ctx, tx, acct, store.LinkConfirm, acct.Email, "confirm")
	})
	return acct, err
}

// newLinkToken makes a link's token and the hash that is stored.
func newLinkToken() (string, []byte) {
	b := make([]byte, linkTokenBytes)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(tok))
	return tok, sum[:]
}

func hashLinkToken(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

// linkPaths are where the mailed links lead on the node's web interface.
var linkPaths = map[string]string{store.LinkConfirm: "/confirm/", store.LinkReset: "/reset/"}

// mailLink stores a new link for acct and queues the mail that carries it,
// in tx.
func (s *Service) mailLink(ctx context.Context, tx *store.Store, acct *store.Account, purpose, email, kind string) error {
	lifetime := ConfirmLinkLifetime
	if purpose == store.LinkReset {
		lifetime = ResetLinkLifetime
	}
	tok, hash := newLinkToken()
	if err := tx.CreateAccountLink(ctx, hash, &store.AccountLink{AccountID: acct.ID, Purpose: purpose, Email: email,
		ExpiresAt: time.Now().Add(lifetime)}); err != nil {
		return err
	}
	if s.Mail == nil {
		return nil
	}
	id := acct.ID
	_, err := s.Mail.Queue(ctx, tx, mail.Message{To: email, AccountID: &id, Lang: acct.Locale, Kind: kind,
		Data: map[string]string{"Username": acct.Username, "Email": email, "Link": s.Links.Base + linkPaths[purpose] + tok}})
	return err
}

// checkResend refuses a new link of a purpose too soon after the last one.
func (s *Service) checkResend(ctx context.Context, acct *store.Account, purpose string) error {
	n, last, err := s.Store.LinksSince(ctx, acct.ID, purpose, time.Now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	if wait := MinResendInterval - time.Since(last); !last.IsZero() && wait > 0 {
		return &TooSoonError{RetryAfter: wait}
	}
	if n >= MaxLinksPerDay {
		return &TooSoonError{RetryAfter: 24 * time.Hour}
	}
	return nil
}

// ResendConfirmation mails a new confirmation link for the address waiting
// to be confirmed (the first one, or a new one), within the resend limits.
func (s *Service) ResendConfirmation(ctx context.Context, acct *store.Account) error {
	email, kind := acct.PendingEmail, "email_change"
	if acct.ConfirmedAt == nil {
		email, kind = acct.Email, "confirm"
	}
	if email == "" {
		return ErrNothingToConfirm
	}
	if err := s.checkResend(ctx, acct, store.LinkConfirm); err != nil {
		return err
	}
	return s.Store.Tx(ctx, func(tx *store.Store) error {
		return s.mailLink(ctx, tx, acct, store.LinkConfirm, email, kind)
	})
}

// ConfirmAddress follows a confirmation link: the address it was sent to
// becomes the account's, the account is confirmed, and the tier is computed
// from the address's domain now, with its effects. It returns the account.
func (s *Service) ConfirmAddress(ctx context.Context, token string) (*store.Account, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrLinkInvalid
	}
	var acct *store.Account
	err := s.Store.Tx(ctx, func(tx *store.Store) error {
		l, err := tx.UseAccountLink(ctx, hashLinkToken(token), store.LinkConfirm)
		if errors.Is(err, store.ErrNotFound) {
			return ErrLinkInvalid
		} else if err != nil {
			return err
		}
		if acct, err = tx.AccountByID(ctx, l.AccountID); err != nil {
			return err
		}
		// A link for an address since replaced by another is void.
		if !strings.EqualFold(l.Email, acct.Email) && !strings.EqualFold(l.Email, acct.PendingEmail) {
			return ErrLinkInvalid
		}
		if err := tx.ConfirmAddress(ctx, acct.ID, l.Email); err != nil {
			var ce *store.ConflictError
			if errors.As(err, &ce) {
				return fieldErr("email", "this address belongs to another account now")
			}
			return err
		}
		tier, err := s.tierIn(ctx, tx, l.Email)
		if err != nil {
			return err
		}
		if acct, err = tx.AccountByID(ctx, acct.ID); err != nil {
			return err
		}
		return s.applyTier(ctx, tx, acct, tier)
	})
	if err != nil {
		return nil, err
	}
	return acct, nil
}

func (s *Service) tierIn(ctx context.Context, tx *store.Store, email string) (string, error) {
	rules, err := tx.TierRules(ctx)
	if err != nil {
		return "", err
	}
	return tierFor(rules, email), nil
}

// ChangeEmail starts a change of address: the new one gets a confirmation
// link and replaces the old one only once confirmed. The tier is computed
// from the new domain: a lower one applies at once (nobody keeps State
// rights on the strength of an address they are leaving), a higher one
// after confirmation.
func (s *Service) ChangeEmail(ctx context.Context, acct *store.Account, newEmail, password string) error {
	newEmail = strings.TrimSpace(newEmail)
	if err := ValidateEmail(newEmail); err != nil {
		return err
	}
	if !acct.HasPassword() {
		return fieldErr("email", "this account's address comes from single sign-on")
	}
	if ok, _ := CheckPassword(acct.PasswordHash, password); !ok {
		return fieldErr("current_password", "wrong password")
	}
	if strings.EqualFold(newEmail, acct.Email) {
		return fieldErr("email", "this is the current address")
	}
	if other, err := s.Store.AccountByEmail(ctx, newEmail); err == nil && other.ID != acct.ID {
		return &store.ConflictError{Field: "email"}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := s.checkResend(ctx, acct, store.LinkConfirm); err != nil {
		return err
	}
	return s.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.SetPendingEmail(ctx, acct.ID, newEmail); err != nil {
			return err
		}
		acct.PendingEmail = newEmail
		tier, err := s.tierIn(ctx, tx, newEmail)
		if err != nil {
			return err
		}
		if TierRank(tier) < TierRank(acct.Tier) {
			if err := s.applyTier(ctx, tx, acct, tier); err != nil {
				return err
			}
		}
		return s.mailLink(ctx, tx, acct, store.LinkConfirm, newEmail, "email_change")
	})
}

// RequestPasswordReset mails a reset link to the account with that address.
// It says nothing of whether such an account exists: an unknown address, or
// a request too soon after the last one, is silently ignored.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	if s.PasswordLoginOff {
		return ErrForbidden
	}
	acct, err := s.Store.AccountByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	var tooSoon *TooSoonError
	if err := s.checkResend(ctx, acct, store.LinkReset); errors.As(err, &tooSoon) {
		return nil
	} else if err != nil {
		return err
	}
	return s.Store.Tx(ctx, func(tx *store.Store) error {
		return s.mailLink(ctx, tx, acct, store.LinkReset, acct.Email, "reset")
	})
}

// CheckResetLink tells whether a reset link is live, without using it (the
// page asking for the new password).
func (s *Service) CheckResetLink(ctx context.Context, token string) error {
	live, err := s.Store.AccountLinkLive(ctx, hashLinkToken(token), store.LinkReset)
	if err == nil && !live {
		return ErrLinkInvalid
	}
	return err
}

// ResetPassword follows a reset link: a new password, every session
// signed out, every token revoked, the other reset links void, and the
// failed sign-ins forgotten.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (*store.Account, error) {
	if n := len([]rune(password)); n < MinPassword || n > MaxPassword {
		return nil, fieldErr("password", "between %d and %d characters", MinPassword, MaxPassword)
	}
	if token == "" || len(token) > 100 {
		return nil, ErrLinkInvalid
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	var acct *store.Account
	err = s.Store.Tx(ctx, func(tx *store.Store) error {
		l, err := tx.UseAccountLink(ctx, hashLinkToken(token), store.LinkReset)
		if errors.Is(err, store.ErrNotFound) {
			return ErrLinkInvalid
		} else if err != nil {
			return err
		}
		if acct, err = tx.AccountByID(ctx, l.AccountID); err != nil {
			return err
		}
		for _, step := range []func() error{
			func() error { return tx.SetPassword(ctx, acct.ID, hash) },
			func() error { return tx.DeleteOtherSessions(ctx, acct.ID, nil) },
			func() error { return tx.DeleteAccountTokens(ctx, acct.ID) },
			func() error { return tx.ExpireAccountLinks(ctx, acct.ID, store.LinkReset) },
			func() error { return tx.ClearLoginFailures(ctx, accountKey(acct.ID)) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	return acct, err
}
