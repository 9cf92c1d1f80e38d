package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/mail"
	"github.com/archipel-social/archipel/store"
)

// Limits on what people type; the API answers 422 naming the field past them.
const (
	MaxUsername     = 30
	MaxEmail        = 254
	MinPassword     = 8
	MaxPassword     = 128
	MaxDisplayName  = 100
	MaxBio          = 5000
	MaxProfileField = 200
	MaxSkills       = 50
	MaxSkillLength  = 64
)

var usernameRE = regexp.MustCompile(`^[a-z0-9_]+$`)

// reserved names would shadow the node's own paths or its instance actor.
var reserved = map[string]bool{
	"archipel": true, "actor": true, "api": true, "inbox": true, "users": true, "groups": true,
	"admin_": true, "about": true, "static": true, "nodeinfo": true, "well_known": true, "root": true,
}

// Service applies the account rules on a store.
type Service struct {
	Store *store.Store
	Links ap.Links
	// Mail sends confirmations, resets and sign-up answers (nil: tools that
	// send none).
	Mail *mail.Outbox
	// Registrations is the sign-up mode: open, approval or closed ("" is open).
	Registrations string
	// PasswordLoginOff is set when only single sign-on signs people in
	// (ARCHIPEL_PASSWORD_LOGIN=false).
	PasswordLoginOff bool
	// TierEffects applies a change of tier beyond the account (nil: none).
	TierEffects TierEffects
}

// Registration is what the admin CLI, the admin API and the demo provide;
// such accounts are confirmed by whoever makes them.
type Registration struct {
	Username    string
	Email       string
	Password    string
	DisplayName string
	// Tier, when empty, comes from the node's e-mail domain rules.
	Tier   string
	Role   string
	UnitID *int64
	// Lang is the language of the account's mails ("fr" when empty).
	Lang string
	// Reason is what an applicant tells the admins (sign-up by approval).
	Reason string
}

// Register validates r and creates a confirmed account and its Person
// actor in one transaction.
func (s *Service) Register(ctx context.Context, r Registration) (*store.Account, *store.Actor, error) {
	if r.Password == "" {
		return nil, nil, fieldErr("password", "between %d and %d characters", MinPassword, MaxPassword)
	}
	now := time.Now()
	return s.create(ctx, r, &now, &now, nil)
}

// create validates r and makes the account and its actor; then, in the same
// transaction, runs also (a sign-up queues its confirmation mail there).
func (s *Service) create(ctx context.Context, r Registration, confirmed, approved *time.Time, also func(tx *store.Store, acct *store.Account) error) (*store.Account, *store.Actor, error) {
	r.Username = strings.ToLower(strings.TrimSpace(r.Username))
	r.Email = strings.TrimSpace(r.Email)
	if err := ValidateUsername(r.Username); err != nil {
		return nil, nil, err
	}
	if err := ValidateEmail(r.Email); err != nil {
		return nil, nil, err
	}
	if n := utf8.RuneCountInString(r.Password); r.Password != "" && (n < MinPassword || n > MaxPassword) {
		return nil, nil, fieldErr("password", "between %d and %d characters", MinPassword, MaxPassword)
	}
	if err := checkText("display_name", r.DisplayName, MaxDisplayName); err != nil {
		return nil, nil, err
	}
	var err error
	if r.Tier == "" {
		if r.Tier, err = s.TierForEmail(ctx, r.Email); err != nil {
			return nil, nil, err
		}
	} else if !ValidTier(r.Tier) {
		return nil, nil, fieldErr("tier", "one of state, public, partner")
	}
	if r.Role == "" {
		r.Role = store.RoleMember
	} else if !validRole(r.Role) {
		return nil, nil, fieldErr("role", "one of admin, unit-admin, member")
	}
	if r.UnitID != nil {
		if _, err := s.Store.UnitByID(ctx, *r.UnitID); errors.Is(err, store.ErrNotFound) {
			return nil, nil, fieldErr("unit", "no such unit")
		} else if err != nil {
			return nil, nil, err
		}
	}
	if r.DisplayName == "" {
		r.DisplayName = r.Username
	}
	// An account made by single sign-on has no password (and none matches).
	var hash string
	if r.Password != "" {
		if hash, err = HashPassword(r.Password); err != nil {
			return nil, nil, err
		}
	}
	actor, err := s.Links.NewLocalActor(store.TypePerson, r.Username, r.DisplayName)
	if err != nil {
		return nil, nil, err
	}
	actor.Tier = r.Tier
	acct := &store.Account{Username: r.Username, Email: r.Email, PasswordHash: hash, Tier: r.Tier, Role: r.Role, UnitID: r.UnitID,
		ConfirmedAt: confirmed, ApprovedAt: approved, Locale: Locale(r.Lang), RegistrationReason: r.Reason}
	err = s.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.CreateActor(ctx, actor); err != nil {
			return err
		}
		acct.ActorID = actor.ID
		if err := tx.CreateAccount(ctx, acct); err != nil {
			return err
		}
		if also != nil {
			return also(tx, acct)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return acct, actor, nil
}

// ValidateUsername checks a local handle (people and groups share them).
func ValidateUsername(u string) error {
	switch {
	case u == "":
		return fieldErr("username", "required")
	case len(u) > MaxUsername:
		return fieldErr("username", "at most %d characters", MaxUsername)
	case !usernameRE.MatchString(u):
		return fieldErr("username", "only lower-case letters, digits and _")
	case reserved[u]:
		return fieldErr("username", "reserved")
	}
	return nil
}

// ValidateEmail checks an address as people type it.
func ValidateEmail(email string) error {
	if email == "" {
		return fieldErr("email", "required")
	}
	if len(email) > MaxEmail {
		return fieldErr("email", "at most %d characters", MaxEmail)
	}
	addr, err := netmail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return fieldErr("email", "not an e-mail address")
	}
	return nil
}

// Locale is the language of an account's mails and pages: en or fr.
func Locale(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "fr"
}

// ValidTier tells whether t is a tier name.
func ValidTier(t string) bool {
	return t == store.TierState || t == store.TierPublic || t == store.TierPartner
}

func validRole(r string) bool {
	return r == store.RoleAdmin || r == store.RoleUnitAdmin || r == store.RoleMember
}

// checkText refuses over-long text and control characters other than
// newlines and tabs.
func checkText(field, s string, max int) error {
	if utf8.RuneCountInString(s) > max {
		return fieldErr(field, "at most %d characters", max)
	}
	if !utf8.ValidString(s) {
		return fieldErr(field, "not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return fieldErr(field, "control characters are not allowed")
		}
	}
	return nil
}

var dummyHash, _ = HashPassword("timing-equaliser")

// ChangePassword checks the old password and sets a new one.
func (s *Service) ChangePassword(ctx context.Context, acct *store.Account, oldPassword, newPassword string) error {
	if ok, _ := CheckPassword(acct.PasswordHash, oldPassword); !ok {
		return &FieldError{Field: "current_password", Message: "wrong password"}
	}
	if n := utf8.RuneCountInString(newPassword); n < MinPassword || n > MaxPassword {
		return fieldErr("password", "between %d and %d characters", MinPassword, MaxPassword)
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return err
	}
	return s.Store.SetPassword(ctx, acct.ID, hash)
}

// tokenBytes is the entropy of a personal access token.
const tokenBytes = 32

// CreateToken makes a personal access token; only its hash is stored, so the
// returned value is shown once.
func (s *Service) CreateToken(ctx context.Context, acct *store.Account, name string) (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(tok))
	if err := s.Store.CreateToken(ctx, acct.ID, sum[:], name); err != nil {
		return "", err
	}
	return tok, nil
}
