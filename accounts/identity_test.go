package accounts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/mail/mailtest"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

const mailWait = 30 * time.Second

// nodeWithMail is a node that sends its mail to a real SMTP server in the
// test process, with the *.gouv.fr → state rule.
func nodeWithMail(t *testing.T, registrations string) (*testnet.Node, *mailtest.Server) {
	t.Helper()
	smtp := mailtest.Start(t)
	n := testnet.StartNode(t, testnet.Options{Identity: config.Identity{SMTPURL: smtp.URL(), Registrations: registrations}})
	if _, err := n.Accounts.SetTierRule(context.Background(), nil, "*.gouv.fr", store.TierState); err != nil {
		t.Fatal(err)
	}
	return n, smtp
}

// tokenOf is the token at the end of a mailed link.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	if link == "" {
		t.Fatal("no link in the mail")
	}
	return link[strings.LastIndex(link, "/")+1:]
}

// The reproduction of issue 12: a sign-up with a State address is an
// unconfirmed account with no rights and no State tier; the link mailed to
// the address confirms it, and only then is the tier State.
func TestSignUpIsUnconfirmedUntilTheMailedLinkIsFollowed(t *testing.T) {
	n, smtp := nodeWithMail(t, "")
	ctx := context.Background()
	acct, err := n.Accounts.SignUp(ctx, accounts.SignUp{Username: "intrus", Email: "intrus@interieur.gouv.fr",
		Password: "un mot de passe", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if acct.Active() || acct.Tier == store.TierState {
		t.Fatalf("fresh sign-up: active %v, tier %s", acct.Active(), acct.Tier)
	}
	// No rights: a token of this account is refused, and its actor is
	// found neither by WebFinger nor as a document, nor in the directory.
	tok, err := n.Accounts.CreateToken(ctx, acct, "probe")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.OAuth.Authenticate(ctx, tok); !errors.Is(err, accounts.ErrNotActive) {
		t.Errorf("token of an unconfirmed account: %v", err)
	}
	if res := n.Do("POST", "/api/v1/statuses", tok, map[string]string{"status": "hello"}); res.Status != 403 {
		t.Errorf("post by an unconfirmed account: %d %s", res.Status, res.Body)
	}
	if res := n.Do("GET", "/.well-known/webfinger?resource=acct:intrus@"+n.Host, "", nil); res.Status != 404 {
		t.Errorf("webfinger of an unconfirmed account: %d", res.Status)
	}
	if res := n.Do("GET", "/users/intrus", "", nil, "Accept", "application/activity+json"); res.Status != 404 {
		t.Errorf("actor of an unconfirmed account: %d", res.Status)
	}
	if found, err := n.Store.Directory(ctx, store.DirectoryQuery{Text: "intrus"}); err != nil || len(found) != 0 {
		t.Errorf("directory lists an unconfirmed account: %v %v", found, err)
	}

	m := smtp.WaitFor(t, "intrus@interieur.gouv.fr", "Confirm your address", mailWait)
	link := m.Link(n.URL + "/confirm/")
	if !strings.Contains(m.HTML, link) {
		t.Errorf("HTML part lacks the link %s", link)
	}
	confirmed, err := n.Accounts.ConfirmAddress(ctx, tokenOf(t, link))
	if err != nil {
		t.Fatal(err)
	}
	if !confirmed.Active() || confirmed.Tier != store.TierState {
		t.Fatalf("after confirmation: active %v, tier %s", confirmed.Active(), confirmed.Tier)
	}
	actor, _ := n.Store.ActorByID(ctx, confirmed.ActorID)
	if actor.Tier != store.TierState {
		t.Errorf("the actor publishes tier %q", actor.Tier)
	}
	if _, err := n.OAuth.Authenticate(ctx, tok); err != nil {
		t.Errorf("token after confirmation: %v", err)
	}
	if res := n.Do("GET", "/.well-known/webfinger?resource=acct:intrus@"+n.Host, "", nil); res.Status != 200 {
		t.Errorf("webfinger after confirmation: %d", res.Status)
	}
	// The link works once.
	if _, err := n.Accounts.ConfirmAddress(ctx, tokenOf(t, link)); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Errorf("second use of the link: %v", err)
	}
	// Only the hash is stored.
	var stored int
	_ = n.Pool.QueryRow(ctx, `select count(*) from account_links where hash = $1::bytea`, []byte(tokenOf(t, link))).Scan(&stored)
	if stored != 0 {
		t.Error("the link's token is stored in clear")
	}
}

func TestConfirmationLinkExpiresAndResendIsLimited(t *testing.T) {
	n, smtp := nodeWithMail(t, "")
	ctx := context.Background()
	acct, err := n.Accounts.SignUp(ctx, accounts.SignUp{Username: "lent", Email: "lent@example.org", Password: "un mot de passe"})
	if err != nil {
		t.Fatal(err)
	}
	first := smtp.WaitFor(t, "lent@example.org", "Confirmez", mailWait)
	if _, err := n.Pool.Exec(ctx, `update account_links set expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Accounts.ConfirmAddress(ctx, tokenOf(t, first.Link(n.URL))); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Errorf("expired link: %v", err)
	}
	var tooSoon *accounts.TooSoonError
	if err := n.Accounts.ResendConfirmation(ctx, acct); !errors.As(err, &tooSoon) {
		t.Errorf("resend at once: %v", err)
	}
	if _, err := n.Pool.Exec(ctx, `update account_links set created_at = now() - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	if err := n.Accounts.ResendConfirmation(ctx, acct); err != nil {
		t.Fatal(err)
	}
	testnet.Eventually(t, mailWait, "the second mail", func() bool { return len(smtp.Messages()) == 2 })
	second := smtp.Messages()[1]
	if _, err := n.Accounts.ConfirmAddress(ctx, tokenOf(t, second.Link(n.URL))); err != nil {
		t.Fatalf("resent link: %v", err)
	}
	for _, bad := range []string{"", "x", strings.Repeat("a", 200)} {
		if _, err := n.Accounts.ConfirmAddress(ctx, bad); !errors.Is(err, accounts.ErrLinkInvalid) {
			t.Errorf("token %q: %v", bad, err)
		}
	}
}

// A new address with a lower tier lowers the tier at once; a higher one
// raises it only once confirmed.
func TestEmailChangeLowersAtOnceRaisesOnConfirmation(t *testing.T) {
	n, smtp := nodeWithMail(t, "")
	ctx := context.Background()
	u := n.CreateUser("agent", store.TierState, "")
	acct, _ := n.Store.AccountByID(ctx, u.Account.ID)
	if err := n.Accounts.ChangeEmail(ctx, acct, "agent@gmail.com", "wrong"); err == nil {
		t.Error("change without the password accepted")
	}
	if err := n.Accounts.ChangeEmail(ctx, acct, "agent@gmail.com", "password-agent"); err != nil {
		t.Fatal(err)
	}
	acct, _ = n.Store.AccountByID(ctx, acct.ID)
	if acct.Tier != store.TierPartner || acct.Email == "agent@gmail.com" || acct.PendingEmail != "agent@gmail.com" {
		t.Fatalf("after asking for a lower address: tier %s, email %s, pending %s", acct.Tier, acct.Email, acct.PendingEmail)
	}
	m := smtp.WaitFor(t, "agent@gmail.com", "nouvelle adresse", mailWait)
	if _, err := n.Accounts.ConfirmAddress(ctx, tokenOf(t, m.Link(n.URL))); err != nil {
		t.Fatal(err)
	}
	acct, _ = n.Store.AccountByID(ctx, acct.ID)
	if acct.Email != "agent@gmail.com" || acct.PendingEmail != "" || acct.Tier != store.TierPartner {
		t.Fatalf("after confirming: %s %q %s", acct.Email, acct.PendingEmail, acct.Tier)
	}
	// Back to a State address: still a partner until confirmed.
	if _, err := n.Pool.Exec(ctx, `update account_links set created_at = now() - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	if err := n.Accounts.ChangeEmail(ctx, acct, "agent@agriculture.gouv.fr", "password-agent"); err != nil {
		t.Fatal(err)
	}
	acct, _ = n.Store.AccountByID(ctx, acct.ID)
	if acct.Tier != store.TierPartner {
		t.Fatalf("a higher tier applied before confirmation: %s", acct.Tier)
	}
	m = smtp.WaitFor(t, "agent@agriculture.gouv.fr", "nouvelle adresse", mailWait)
	if _, err := n.Accounts.ConfirmAddress(ctx, tokenOf(t, m.Link(n.URL))); err != nil {
		t.Fatal(err)
	}
	acct, _ = n.Store.AccountByID(ctx, acct.ID)
	if acct.Tier != store.TierState || acct.Email != "agent@agriculture.gouv.fr" {
		t.Fatalf("after confirming the State address: %s %s", acct.Tier, acct.Email)
	}
	other := n.CreateUser("autre", store.TierPartner, "")
	if err := n.Accounts.ChangeEmail(ctx, acct, other.Account.Email, "password-agent"); err == nil {
		t.Error("another account's address accepted")
	}
}

// A reset link works once for an hour, and signs out every session and
// revokes every token.
func TestPasswordResetEndsSessionsAndTokens(t *testing.T) {
	n, smtp := nodeWithMail(t, "")
	ctx := context.Background()
	u := n.CreateUser("oublieux", store.TierPublic, "")
	if err := n.Store.CreateSession(ctx, []byte("session-hash-0123456789"), u.Account.ID, "csrf", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := n.Accounts.RequestPasswordReset(ctx, "nobody@example.org"); err != nil {
		t.Errorf("unknown address: %v (it must look the same as a known one)", err)
	}
	if err := n.Accounts.RequestPasswordReset(ctx, u.Account.Email); err != nil {
		t.Fatal(err)
	}
	m := smtp.WaitFor(t, u.Account.Email, "mot de passe", mailWait)
	tok := tokenOf(t, m.Link(n.URL+"/reset/"))
	if err := n.Accounts.CheckResetLink(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Accounts.ResetPassword(ctx, tok, "court"); err == nil {
		t.Error("short password accepted")
	}
	if _, err := n.Accounts.ResetPassword(ctx, tok, "un nouveau mot de passe"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.OAuth.Authenticate(ctx, u.Token); !errors.Is(err, accounts.ErrUnauthenticated) {
		t.Errorf("token after a reset: %v", err)
	}
	if _, err := n.Store.SessionByTokenHash(ctx, []byte("session-hash-0123456789")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session after a reset: %v", err)
	}
	if _, err := n.Accounts.LoginFrom(ctx, "oublieux", "un nouveau mot de passe", "192.0.2.1"); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}
	if _, err := n.Accounts.ResetPassword(ctx, tok, "encore un autre"); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Errorf("second use of a reset link: %v", err)
	}
	// A reset link lives an hour.
	if _, err := n.Pool.Exec(ctx, `update account_links set created_at = now() - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	if err := n.Accounts.RequestPasswordReset(ctx, u.Account.Email); err != nil {
		t.Fatal(err)
	}
	testnet.Eventually(t, mailWait, "the second reset mail", func() bool { return len(smtp.Messages()) == 2 })
	late := tokenOf(t, smtp.Messages()[1].Link(n.URL+"/reset/"))
	if _, err := n.Pool.Exec(ctx, `update account_links set expires_at = created_at + interval '1 hour' - interval '61 minutes'`); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Accounts.ResetPassword(ctx, late, "encore un autre"); !errors.Is(err, accounts.ErrLinkInvalid) {
		t.Errorf("expired reset link: %v", err)
	}
}

func TestRegistrationModes(t *testing.T) {
	closed := testnet.StartNode(t, testnet.Options{Identity: config.Identity{Registrations: accounts.RegistrationsClosed}})
	if _, err := closed.Accounts.SignUp(context.Background(), accounts.SignUp{Username: "x", Email: "x@example.org", Password: "un mot de passe"}); !errors.Is(err, accounts.ErrRegistrationsClosed) {
		t.Errorf("closed node: %v", err)
	}

	n, smtp := nodeWithMail(t, accounts.RegistrationsApproval)
	ctx := context.Background()
	admin := n.CreateUser("admin", store.TierState, store.RoleAdmin)
	member := n.CreateUser("membre", store.TierState, "")
	yes, err := n.Accounts.SignUp(ctx, accounts.SignUp{Username: "candidate", Email: "candidate@interieur.gouv.fr",
		Password: "un mot de passe", Reason: "Je travaille à la DGCL"})
	if err != nil {
		t.Fatal(err)
	}
	no, err := n.Accounts.SignUp(ctx, accounts.SignUp{Username: "refuse", Email: "refuse@example.org", Password: "un mot de passe"})
	if err != nil {
		t.Fatal(err)
	}
	m := smtp.WaitFor(t, "candidate@interieur.gouv.fr", "Confirmez", mailWait)
	confirmed, err := n.Accounts.ConfirmAddress(ctx, tokenOf(t, m.Link(n.URL)))
	if err != nil {
		t.Fatal(err)
	}
	if confirmed.Active() || confirmed.Tier != store.TierState {
		t.Errorf("confirmed but not approved: active %v, tier %s", confirmed.Active(), confirmed.Tier)
	}
	waiting, err := n.Accounts.SignUpsAwaitingApproval(ctx, admin.Account)
	if err != nil || len(waiting) != 2 || waiting[0].RegistrationReason != "Je travaille à la DGCL" {
		t.Fatalf("awaiting approval: %v %v", waiting, err)
	}
	if _, err := n.Accounts.SignUpsAwaitingApproval(ctx, member.Account); !errors.Is(err, accounts.ErrForbidden) {
		t.Errorf("a member lists sign-ups: %v", err)
	}
	if err := n.Accounts.ApproveSignUp(ctx, member.Account, yes.ID); !errors.Is(err, accounts.ErrForbidden) {
		t.Errorf("a member approves: %v", err)
	}
	if err := n.Accounts.ApproveSignUp(ctx, admin.Account, yes.ID); err != nil {
		t.Fatal(err)
	}
	smtp.WaitFor(t, "candidate@interieur.gouv.fr", "est ouvert", mailWait)
	if a, _ := n.Store.AccountByID(ctx, yes.ID); !a.Active() {
		t.Error("approved and confirmed account not active")
	}
	if err := n.Accounts.RejectSignUp(ctx, admin.Account, no.ID); err != nil {
		t.Fatal(err)
	}
	smtp.WaitFor(t, "refuse@example.org", "Votre inscription", mailWait)
	if _, err := n.Store.AccountByID(ctx, no.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rejected account: %v", err)
	}
	if _, err := n.Store.ActorByURI(ctx, n.Links.Person("refuse")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rejected account's actor: %v", err)
	}
	if err := n.Accounts.RejectSignUp(ctx, admin.Account, yes.ID); err == nil {
		t.Error("an approved account rejected")
	}
}

// Five wrong passwords, then every try waits, the right password too; the
// count is in PostgreSQL, so another serve process on the same database
// sees it; an address failing on many accounts waits too.
func TestSignInThrottling(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	n.CreateUser("cible", store.TierPublic, "")
	other := &accounts.Service{Store: store.New(n.Pool), Links: n.Links} // a second serve process
	for i := range accounts.FreeAccountFailures {
		if _, err := n.Accounts.LoginFrom(ctx, "cible", "mauvais", "198.51.100.7"); !errors.Is(err, accounts.ErrUnauthenticated) {
			t.Fatalf("try %d: %v", i+1, err)
		}
	}
	var throttled *accounts.ThrottledError
	if _, err := other.LoginFrom(ctx, "cible", "password-cible", "203.0.113.9"); !errors.As(err, &throttled) {
		t.Fatalf("right password after five failures, from another process and address: %v", err)
	}
	if throttled.RetryAfter <= 0 || throttled.RetryAfter > accounts.FirstLoginDelay {
		t.Errorf("first wait %s", throttled.RetryAfter)
	}
	if _, err := n.Pool.Exec(ctx, `update login_failures set blocked_until = now() where key like 'account:%'`); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Accounts.LoginFrom(ctx, "cible", "mauvais", "198.51.100.7"); !errors.Is(err, accounts.ErrUnauthenticated) {
		t.Fatal(err)
	}
	if _, err := n.Accounts.LoginFrom(ctx, "cible", "password-cible", "198.51.100.7"); !errors.As(err, &throttled) || throttled.RetryAfter <= accounts.FirstLoginDelay {
		t.Errorf("the sixth failure waits longer than the fifth: %v", err)
	}
	if _, err := n.Pool.Exec(ctx, `update login_failures set blocked_until = now()`); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Accounts.LoginFrom(ctx, "cible", "password-cible", "198.51.100.7"); err != nil {
		t.Errorf("right password once the wait is over: %v", err)
	}
	// One address guessing across many logins (IPv6: its whole /64).
	for i := range accounts.FreeAddressFailures {
		_, _ = n.Accounts.LoginFrom(ctx, "personne"+string(rune('a'+i)), "x", "2001:db8:1:2::"+string(rune('a'+i%6)))
	}
	if _, err := n.Accounts.LoginFrom(ctx, "cible", "password-cible", "2001:db8:1:2::ffff"); !errors.As(err, &throttled) {
		t.Errorf("an address past its failures: %v", err)
	}
	if _, err := n.Accounts.LoginFrom(ctx, "cible", "password-cible", "2001:db8:1:3::1"); err != nil {
		t.Errorf("another /64: %v", err)
	}
}
