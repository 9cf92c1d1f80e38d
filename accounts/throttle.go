package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/archipel-social/archipel/store"
)

// Sign-in throttling, kept in PostgreSQL so that every serve process sees
// the same counts. An account gets FreeAccountFailures wrong passwords,
// then each try waits a delay that doubles from FirstLoginDelay up to
// MaxLoginDelay. A client address gets more free failures, because a whole
// administration often reaches the node through one proxy address.
const (
	FreeAccountFailures = 5
	FreeAddressFailures = 20
	FirstLoginDelay     = 30 * time.Second
	MaxLoginDelay       = time.Hour
	// Failures older than this are forgotten.
	LoginFailureMemory = 24 * time.Hour
)

// ThrottledError is a sign-in refused without looking at the password,
// because too many failed recently; RetryAfter says when to try again.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed sign-ins: try again in %s", e.RetryAfter.Round(time.Second))
}

// RetryAfterSeconds is the wait as Retry-After wants it (at least 1).
func (e *ThrottledError) RetryAfterSeconds() int {
	return max(1, int((e.RetryAfter+time.Second-1)/time.Second))
}

func accountKey(id int64) string { return "account:" + strconv.FormatInt(id, 10) }

// addressKey groups an IPv6 client by its /64, which one machine usually
// has whole; an unreadable address is counted as itself.
func addressKey(client string) string {
	a, err := netip.ParseAddr(client)
	if err != nil {
		return "address:" + client
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "address:" + p.String()
	}
	return "address:" + a.String()
}

func failureDelay(free int) func(n int) time.Duration {
	return func(n int) time.Duration {
		if n < free {
			return 0
		}
		d := FirstLoginDelay << min(n-free, 16)
		return min(d, MaxLoginDelay)
	}
}

// LoginFrom checks a username (or e-mail) and password from a client address,
// with throttling: while the account or the address is waiting, the password
// is not even looked at, and a ThrottledError says how long to wait.
func (s *Service) LoginFrom(ctx context.Context, login, password, client string) (*store.Account, error) {
	if s.PasswordLoginOff {
		return nil, ErrPasswordLoginOff
	}
	login = strings.TrimSpace(login)
	var acct *store.Account
	var err error
	if strings.Contains(login, "@") {
		acct, err = s.Store.AccountByEmail(ctx, login)
	} else {
		acct, err = s.Store.AccountByUsername(ctx, login)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	// An unknown login is throttled like an account, so that waiting does
	// not tell which logins exist.
	loginKey := "login:" + strings.ToLower(login)
	if acct != nil {
		loginKey = accountKey(acct.ID)
	}
	keys := []string{loginKey}
	addrKey := ""
	if client != "" {
		addrKey = addressKey(client)
		keys = append(keys, addrKey)
	}
	until, err := s.Store.LoginBlockedUntil(ctx, keys)
	if err != nil {
		return nil, err
	}
	if wait := time.Until(until); wait > 0 {
		return nil, &ThrottledError{RetryAfter: wait}
	}
	ok := false
	if acct == nil {
		// Hash anyway so that timing does not tell which usernames exist.
		_, _ = CheckPassword(dummyHash, password)
	} else {
		ok, _ = CheckPassword(acct.PasswordHash, password)
	}
	if !ok {
		if _, err := s.Store.NoteLoginFailure(ctx, []string{loginKey}, LoginFailureMemory, failureDelay(FreeAccountFailures)); err != nil {
			return nil, err
		}
		if addrKey != "" {
			if _, err := s.Store.NoteLoginFailure(ctx, []string{addrKey}, LoginFailureMemory, failureDelay(FreeAddressFailures)); err != nil {
				return nil, err
			}
		}
		return nil, ErrUnauthenticated
	}
	if err := s.Store.ClearLoginFailures(ctx, loginKey); err != nil {
		return nil, err
	}
	return acct, nil
}

// ErrPasswordLoginOff is a password sign-in on a node where only single
// sign-on signs people in.
var ErrPasswordLoginOff = errors.New("sign-in with a password is off on this node; use single sign-on")

// NoteSignIn records a successful sign-in (last time and address, shown to
// admins).
func (s *Service) NoteSignIn(ctx context.Context, acct *store.Account, client string) error {
	return s.Store.NoteSignIn(ctx, acct.ID, client)
}
