package ui_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/archipel-social/archipel/calendar"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// TestBrowserEventJourney: an animator creates an event with the native
// date and time inputs (a refused end shows next to its field), the agenda
// shows it as a list and a month, a member takes part and finds it in their
// agenda; every page passes axe, at 1280 and 375 px.
func TestBrowserEventJourney(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser tests need Debian's chromium at %s (apt-get install chromium)", chromiumPath)
	}
	a := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	alice := a.CreateUser("alice", store.TierState, "")
	bob := a.CreateUser("bob", store.TierState, "")
	g, err := a.Outbox.CreateGroup(ctx, alice.Account, outbox.NewGroup{Name: "Réseau numérique", Username: "reseau_numerique",
		Visibility: store.VisibilityPublic, JoinPolicy: store.JoinOpen})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Outbox.Join(ctx, bob.Actor, g.Actor); err != nil {
		t.Fatal(err)
	}
	// A date in the coming weeks, so that the journey holds whatever today is.
	paris, _ := calendar.Zone("Europe/Paris")
	now := time.Now().In(paris)
	start := time.Date(now.Year(), now.Month()+1, 2, 14, 0, 0, 0, paris)
	end := start.Add(2 * time.Hour)
	b := startBrowser(t)
	login := func(user string) {
		b.open(a.URL + "/login")
		b.fill("#f-login", user)
		b.fill("#f-password", "password-"+user+"\r")
		b.waitXPath(`//nav//form[@action="/logout"]`)
	}
	login("alice")
	base := a.URL + "/g/reseau_numerique/events"
	b.open(base)
	b.click(`//a[contains(@href, "/events/new")]`)
	b.run(chromedp.WaitVisible("#f-title", chromedp.ByQuery))
	b.check()
	b.fill("#f-title", "Comité de pilotage numérique")
	b.fill("#f-description", "Ordre du jour : bilan du trimestre.")
	b.run(chromedp.SetValue("#f-start_time", start.Format("2006-01-02T15:04"), chromedp.ByQuery),
		chromedp.SetValue("#f-end_time", start.Add(-time.Hour).Format("2006-01-02T15:04"), chromedp.ByQuery))
	b.fill("#f-location", "Préfecture, salle Vauban")
	b.fill("#f-capacity", "12")
	b.click(`//form[contains(@class, "event-form")]//button[@type="submit"]`)
	// The end before the start: the form comes back with the message at
	// its field, what was typed kept.
	b.waitXPath(`//p[@id="f-end_time-error"]`)
	b.check()
	if v := b.value("#f-title"); v != "Comité de pilotage numérique" {
		t.Errorf("title not kept: %q", v)
	}
	b.run(chromedp.SetValue("#f-end_time", end.Format("2006-01-02T15:04"), chromedp.ByQuery))
	b.click(`//form[contains(@class, "event-form")]//button[@type="submit"]`)
	b.notice("L'événement est enregistré")
	b.check()
	when := b.text(".event-facts dd")
	// French style: « mardi 2 mars 2027, 14 h 00 – 16 h 00 ».
	if want := calendar.FormatRange(start, end, false, paris, "fr"); !strings.Contains(when, want) || !strings.Contains(want, ", 14 h 00 – 16 h 00") {
		t.Errorf("time shown: %q", when)
	}
	b.open(base + "?view=month&month=" + start.Format("2006-01"))
	b.waitXPath(`//table[contains(@class, "month")]//a[contains(., "Comité de pilotage")]`)
	b.shoot("agenda-month")
	b.click(`//nav[contains(@class, "subtabs")]//a[contains(., "À venir")]`)
	b.waitXPath(`//li[contains(@class, "event-card")]//a[contains(., "Comité de pilotage")]`)
	b.check()
	b.click(`//form[@action="/logout"]//button`)
	b.notice("déconnecté")

	login("bob")
	b.open(base)
	b.click(`//li[contains(@class, "event-card")]//a[contains(., "Comité de pilotage")]`)
	b.run(chromedp.WaitVisible("#event-h", chromedp.ByQuery))
	b.check()
	b.click(`//form[contains(@action, "/participate")]//button`)
	b.notice("Vous participez")
	b.check()
	b.shoot("event")
	if got := b.text(".event-facts"); !strings.Contains(got, "1 sur 12 places") {
		t.Errorf("places: %q", got)
	}
	b.open(a.URL + "/agenda")
	b.waitXPath(`//li[contains(@class, "event-card")]//strong[contains(., "Vous participez")]`)
	b.shoot("my-agenda")
	// In English.
	b.open(a.URL + "/lang/en")
	b.open(base)
	b.waitXPath(`//h2[contains(., "Upcoming")]`)
	b.check()
}
