package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// The mail settings page records the choices; a digest frequency that does
// not exist is refused with the form's message, and nothing changes.
func TestMailSettingsPage(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	ctx := context.Background()
	bob := n.CreateUser("bob", store.TierState, "")
	c, csrf := signIn(t, n, "bob")
	if p, _ := n.Store.MailPreferencesOf(ctx, bob.Account.ID); p != store.DefaultMailPreferences || p.Digest != store.DigestWeekly {
		t.Errorf("defaults: %+v", p)
	}
	res, body := get(t, c, n.URL+"/settings/notifications")
	if res.StatusCode != 200 || !strings.Contains(body, `name="digest" value="weekly" checked`) {
		t.Fatalf("form: %d\n%s", res.StatusCode, body)
	}
	res, err := c.PostForm(n.URL+"/settings/notifications", url.Values{"csrf": {csrf}, "mentions": {"on"}, "digest": {"daily"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("save: %d", res.StatusCode)
	}
	p, _ := n.Store.MailPreferencesOf(ctx, bob.Account.ID)
	if !p.Mentions || p.Invitations || p.Digest != store.DigestDaily {
		t.Errorf("saved: %+v", p)
	}
	for _, bad := range []string{"hourly", "daily\x00", ""} {
		res, err = c.PostForm(n.URL+"/settings/notifications", url.Values{"csrf": {csrf}, "digest": {bad}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest {
			t.Errorf("digest %q: %d", bad, res.StatusCode)
		}
	}
	if p2, _ := n.Store.MailPreferencesOf(ctx, bob.Account.ID); p2 != p {
		t.Errorf("a refused form changed the choices: %+v", p2)
	}
}
