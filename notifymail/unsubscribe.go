package notifymail

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"github.com/archipel-social/archipel/store"
)

// What a one-click unsubscribe link stops: one kind of immediate mail, or
// the digest.
const (
	ScopeDigest         = "digest"
	ScopeMentions       = "mentions"
	ScopeInvitations    = "invitations"
	ScopeJoinRequests   = "join_requests"
	ScopeEventReminders = "event_reminders"
)

// ErrBadToken is a link that this node did not make, or that was altered.
var ErrBadToken = errors.New("this unsubscribe link is not valid")

const settingUnsubscribeKey = "mail.unsubscribe_key"

// Link is what an unsubscribe token says: whose mail, and which.
type Link struct {
	AccountID int64
	Scope     string
}

// token signs a link with the node's key, so that the link needs no row
// and cannot be forged: "<account>.<scope>.<mac>". It does not expire, as
// RFC 8058 wants links to keep working for as long as mail may be read.
func (m *Mailer) token(ctx context.Context, l Link) (string, error) {
	key, err := m.key(ctx)
	if err != nil {
		return "", err
	}
	payload := strconv.FormatInt(l.AccountID, 10) + "." + l.Scope
	return payload + "." + mac(key, payload), nil
}

func mac(key []byte, payload string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

func (m *Mailer) key(ctx context.Context) ([]byte, error) {
	v, err := m.Store.SetSettingOnce(ctx, settingUnsubscribeKey, hex.EncodeToString(randomKey()))
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}

func randomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24)
	return b
}

// ReadToken checks a token and says what it unsubscribes from.
func (m *Mailer) ReadToken(ctx context.Context, token string) (Link, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Link{}, ErrBadToken
	}
	key, err := m.key(ctx)
	if err != nil {
		return Link{}, err
	}
	payload := parts[0] + "." + parts[1]
	if !hmac.Equal([]byte(mac(key, payload)), []byte(parts[2])) {
		return Link{}, ErrBadToken
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || !isScope(parts[1]) {
		return Link{}, ErrBadToken
	}
	return Link{AccountID: id, Scope: parts[1]}, nil
}

func isScope(s string) bool {
	switch s {
	case ScopeDigest, ScopeMentions, ScopeInvitations, ScopeJoinRequests, ScopeEventReminders:
		return true
	}
	return false
}

// Unsubscribe applies a link: the mail it names stops. Applying it twice
// is harmless (a mail client may POST more than once).
func (m *Mailer) Unsubscribe(ctx context.Context, l Link) error {
	return m.Store.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.AccountByID(ctx, l.AccountID); err != nil {
			return err // an account that is gone: nothing to stop
		}
		p, err := tx.MailPreferencesOf(ctx, l.AccountID)
		if err != nil {
			return err
		}
		switch l.Scope {
		case ScopeDigest:
			p.Digest = store.DigestNone
		case ScopeMentions:
			p.Mentions = false
		case ScopeInvitations:
			p.Invitations = false
		case ScopeJoinRequests:
			p.JoinRequests = false
		case ScopeEventReminders:
			p.EventReminders = false
		}
		return tx.SetMailPreferences(ctx, l.AccountID, p)
	})
}
