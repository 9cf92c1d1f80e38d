package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/archipel-social/archipel/ap"
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
}

// Registration is what sign-up and the admin CLI provide.
type Registration struct {
	Username    string
	Email       string
	Password    string
	DisplayName string
	// Tier, when empty, comes from the node's e-mail domain rules.
	Tier   string
	Role   string
	UnitID *int64
}

// Register validates r and creates the account and its Person actor in one
// transaction.
func (s *Service) Register(ctx context.Context, r Registration) (*store.Account, *store.Actor, error) {
	r.Username = strings.ToLower(strings.TrimSpace(r.Username))
	r.Email = strings.TrimSpace(r.Email)
	if err := ValidateUsername(r.Username); err != nil {
		return nil, nil, err
	}
	if len(r.Email) > MaxEmail {
		return nil, nil, fieldErr("email", "at most %d characters", MaxEmail)
	}
	addr, err := mail.ParseAddress(r.Email)
	if err != nil || addr.Address != r.Email || !strings.Contains(r.Email[strings.LastIndex(r.Email, "@"):], ".") {
		return nil, nil, fieldErr("email", "not an e-mail address")
	}
	if n := utf8.RuneCountInString(r.Password); n < MinPassword || n > MaxPassword {
		return nil, nil, fieldErr("password", "between %d and %d characters", MinPassword, MaxPassword)
	}
	if err := checkText("display_name", r.DisplayName, MaxDisplayName); err != nil {
		return nil, nil, err
	}
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
	hash, err := HashPassword(r.Password)
	if err != nil {
		return nil, nil, err
	}
	actor, err := s.Links.NewLocalActor(store.TypePerson, r.Username, r.DisplayName)
	if err != nil {
		return nil, nil, err
	}
	actor.Tier = r.Tier
	acct := &store.Account{Username: r.Username, Email: r.Email, PasswordHash: hash, Tier: r.Tier, Role: r.Role, UnitID: r.UnitID}
	err = s.Store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.CreateActor(ctx, actor); err != nil {
			return err
		}
		acct.ActorID = actor.ID
		return tx.CreateAccount(ctx, acct)
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

// Login checks a username (or e-mail) and password.
func (s *Service) Login(ctx context.Context, login, password string) (*store.Account, error) {
	var acct *store.Account
	var err error
	if strings.Contains(login, "@") {
		acct, err = s.Store.AccountByEmail(ctx, login)
	} else {
		acct, err = s.Store.AccountByUsername(ctx, login)
	}
	if errors.Is(err, store.ErrNotFound) {
		// Hash anyway so that timing does not tell which usernames exist.
		_, _ = CheckPassword(dummyHash, password)
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	ok, err := CheckPassword(acct.PasswordHash, password)
	if err != nil || !ok {
		return nil, ErrUnauthenticated
	}
	return acct, nil
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

// Authenticate finds the account of a bearer token.
func (s *Service) Authenticate(ctx context.Context, token string) (*store.Account, error) {
	if token == "" || len(token) > 256 {
		return nil, ErrUnauthenticated
	}
	sum := sha256.Sum256([]byte(token))
	acct, err := s.Store.AccountByTokenHash(ctx, sum[:])
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnauthenticated
	}
	return acct, err
}
