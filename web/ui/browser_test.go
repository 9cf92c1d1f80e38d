package ui_test

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/archipel-social/archipel/accounts"
	"github.com/archipel-social/archipel/config"
	"github.com/archipel-social/archipel/mail/mailtest"
	"github.com/archipel-social/archipel/outbox"
	"github.com/archipel-social/archipel/sso/ssotest"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// chromiumPath is Debian's chromium package.
const chromiumPath = "/usr/bin/chromium"

// federationWait bounds how long the test waits for another node.
const federationWait = 30 * time.Second

// stepTimeout bounds one browser step (a wait for an element included).
const stepTimeout = 20 * time.Second

// axe-core (MPL-2.0, vendored from npm) checks each page's accessibility.
//
//go:embed testdata/axe.min.js
var axeSource string

// screenshotDir is where the README's screenshots are written.
var screenshotDir = filepath.Join("..", "..", "docs", "screenshots")

type browser struct {
	t   *testing.T
	ctx context.Context
}

func startBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser tests need Debian's chromium at %s (apt-get install chromium)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.Flag("accept-lang", "fr-FR,fr"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	// The pages forbid scripts (CSP); the test's own injected checks must run.
	// The first Run starts the browser, which lives as long as its context:
	// no step timeout here.
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error { return page.SetBypassCSP(true).Do(ctx) }),
		chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var loc, body string
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		defer cancel()
		_ = chromedp.Run(ctx, chromedp.Location(&loc), chromedp.Evaluate(`document.body ? document.body.innerText : document.documentElement.outerHTML`, &body))
		b.t.Fatalf("browser: %v\n at %s\n%s", err, loc, body)
	}
}

// open loads a page and checks it.
func (b *browser) open(url string) {
	b.t.Helper()
	b.run(chromedp.Navigate(url), chromedp.WaitVisible("main", chromedp.ByQuery))
	b.check()
}

// check runs axe-core on the current page and fails on serious or
// critical violations; it also checks that every form field has a label.
func (b *browser) check() {
	b.t.Helper()
	var loc string
	var violations []string
	var unlabelled []string
	b.run(chromedp.Location(&loc),
		chromedp.Evaluate(axeSource, nil),
		chromedp.Evaluate(`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
			.then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
			.map(v => v.impact + ' ' + v.id + ': ' + v.help + ' [' + v.nodes.map(n => n.target.join(' ')).join(', ') + ']'))`,
			&violations, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('input, select, textarea'))
			.filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
			.map(e => e.outerHTML)`, &unlabelled))
	for _, v := range violations {
		b.t.Errorf("accessibility of %s: %s", loc, v)
	}
	for _, u := range unlabelled {
		b.t.Errorf("field without label on %s: %s", loc, u)
	}
}

// shoot writes a screenshot of the viewport at desktop and phone widths.
func (b *browser) shoot(name string) {
	b.t.Helper()
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	for _, size := range []struct {
		w, h   int64
		mobile bool
	}{{1280, 800, false}, {375, 740, true}} {
		var png []byte
		vp := chromedp.EmulateViewport(size.w, size.h)
		if size.mobile {
			vp = chromedp.EmulateViewport(size.w, size.h, chromedp.EmulateMobile)
		}
		b.run(vp, chromedp.Sleep(50*time.Millisecond), chromedp.CaptureScreenshot(&png))
		if err := os.WriteFile(filepath.Join(screenshotDir, fmt.Sprintf("%s-%d.png", name, size.w)), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.run(chromedp.EmulateViewport(1280, 800))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

// waitText waits until an element matching an XPath shows.
func (b *browser) waitXPath(xpath string) {
	b.t.Helper()
	b.run(chromedp.WaitVisible(xpath, chromedp.BySearch))
}

func (b *browser) click(xpath string) {
	b.t.Helper()
	b.run(chromedp.WaitVisible(xpath, chromedp.BySearch), chromedp.Click(xpath, chromedp.BySearch))
}

func (b *browser) fill(sel, text string) {
	b.t.Helper()
	b.run(chromedp.WaitVisible(sel, chromedp.ByQuery), chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value = ""`, sel), nil), chromedp.SendKeys(sel, text, chromedp.ByQuery))
}

func (b *browser) notice(contains string) {
	b.t.Helper()
	b.waitXPath(`//p[contains(@class, "notice") and contains(., "` + contains + `")]`)
}

func ptr(s string) *string { return &s }

// TestBrowserJourneys drives an agent's day through headless Chromium on two
// real nodes: sign-up, profile and skills, directory, follow, post, reply,
// join a group on the other node, approve a request, English.
func TestBrowserJourneys(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser tests need Debian's chromium at %s (apt-get install chromium)", chromiumPath)
	}
	// Node a mails through a real SMTP server and signs agents in through
	// a real OpenID provider, both in this process.
	smtp := mailtest.Start(t)
	idp := ssotest.Start(t, nil, nil, ssotest.User{Subject: "sub-claire", Email: "claire.martin@agriculture.gouv.fr",
		GivenName: "Claire", UsualName: "MARTIN", Siret: "13000536500014", OrganizationalUnit: "DRAAF Nouvelle-Aquitaine"})
	a := testnet.StartNode(t, testnet.Options{Identity: config.Identity{SMTPURL: smtp.URL(), OIDCIssuer: idp.Issuer,
		OIDCClientID: idp.ClientID, OIDCSecret: idp.ClientSecret, OIDCName: "ProConnect", OIDCTrustEmail: true}})
	idp.Allow(a.URL+"/login/sso/callback", a.URL+"/")
	other := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()

	if _, err := a.Accounts.SetTierRule(ctx, nil, "*.gouv.fr", store.TierState); err != nil {
		t.Fatal(err)
	}
	bernard := a.CreateUser("bernard", store.TierState, "")
	if _, err := a.Accounts.UpdateProfile(ctx, bernard.Actor.ID, accounts.Profile{DisplayName: ptr("Bernard Lefèvre"),
		Organisation: ptr("DDT de la Gironde"), JobTitle: ptr("Chargé d'études"),
		Skills: []string{"Aménagement du territoire", "Cartographie"}, SkillsSet: true}); err != nil {
		t.Fatal(err)
	}
	note, err := a.Outbox.CreateNote(ctx, bernard.Actor, outbox.NewNote{Text: "Réunion du réseau aménagement jeudi à 10 h."})
	if err != nil {
		t.Fatal(err)
	}
	dominique := other.CreateUser("dominique", store.TierState, "")
	remoteGroup, err := other.Outbox.CreateGroup(ctx, dominique.Account, outbox.NewGroup{Name: "Réseau urbanisme",
		Username: "reseau_urbanisme", Visibility: store.VisibilityPublic, JoinPolicy: store.JoinOpen})
	if err != nil {
		t.Fatal(err)
	}
	eve := other.CreateUser("eve", store.TierState, "")

	b := startBrowser(t)

	// Welcome, then sign up; the tier comes from the e-mail rule.
	b.open(a.URL + "/")
	b.shoot("welcome")
	b.click(`//a[@href="/signup" and contains(@class, "button")]`)
	b.run(chromedp.WaitVisible("#f-username", chromedp.ByQuery))
	b.check()
	b.fill("#f-display_name", "Camille Durand")
	b.fill("#f-username", "camille")
	b.fill("#f-email", "camille.durand@interieur.gouv.fr")
	b.fill("#f-password", "mot-de-passe-solide")
	b.fill("#f-password_confirm", "mot-de-passe-solide\r") // Enter submits
	// No rights and no tier until the address is confirmed: the link
	// arrives by mail.
	b.waitXPath(`//h1[contains(., "Confirmez votre adresse")]`)
	b.check()
	b.shoot("confirm")
	b.open(a.URL + "/settings/profile")
	b.waitXPath(`//h1[contains(., "Confirmez votre adresse")]`)
	confirmation := smtp.WaitFor(t, "camille.durand@interieur.gouv.fr", "Confirmez", 30*time.Second)
	b.open(confirmation.Link(a.URL + "/confirm/"))
	b.notice("Agent de l'État")
	b.check()

	// Profile with skills.
	b.fill("#f-job_title", "Cheffe de projet")
	b.fill("#f-organisation", "Préfecture de la Gironde")
	b.fill("#f-unit", "SGAR")
	b.fill("#f-bio", "Urbanisme et politiques du logement.")
	b.click(`//form[@id="profile-form"]//button[@type="submit"]`)
	b.notice("Profil enregistré")
	for _, skill := range []string{"Urbanisme opérationnel", "Marchés publics", "Origami"} {
		b.fill("#f-skill", skill+"\r")
		b.waitXPath(`//ul[contains(@class, "skills")]/li[contains(., "` + skill + `")]`)
	}
	b.click(`//ul[contains(@class, "skills")]/li[contains(., "Origami")]//button`)
	b.notice("Compétence retirée")
	b.check()
	b.shoot("profile-edit")
	b.open(a.URL + "/@camille")
	if got := b.text(".skills"); !strings.Contains(got, "Marchés publics") || strings.Contains(got, "Origami") {
		t.Errorf("profile skills: %q", got)
	}
	b.shoot("profile")

	// Find a colleague by a skill typed without accents, and follow him.
	b.open(a.URL + "/directory")
	b.fill("#f-skill", "amenagement\r")
	b.waitXPath(`//article[contains(@class, "person")]//a[contains(., "Bernard Lefèvre")]`)
	b.check()
	b.shoot("directory")
	b.click(`//article[contains(@class, "person") and .//a[contains(., "Bernard")]]//button[contains(., "Suivre")]`)
	b.notice("Vous suivez")

	// Home: his post is in the feed; post something.
	b.open(a.URL + "/")
	b.waitXPath(`//article[contains(., "Réunion du réseau aménagement")]`)
	b.fill("#f-text", "Bonjour à toutes et à tous !")
	b.click(`//form[contains(@class, "composer")]//button[@type="submit"]`)
	b.notice("Publié")
	b.waitXPath(`//article[contains(., "Bonjour à toutes et à tous")]`)
	b.check()
	b.shoot("home")

	// Reply to Bernard and like his post.
	b.click(fmt.Sprintf(`//article[@id="post-%d"]//a[contains(., "Répondre")]`, note.ID))
	b.fill("#f-text", "J'y serai, merci @bernard")
	b.click(`//form[contains(@class, "composer")]//button[@type="submit"]`)
	b.notice("Réponse publiée")
	b.waitXPath(`//ol[contains(@class, "replies")]//article[contains(., "J'y serai")]`)
	b.click(fmt.Sprintf(`//article[@id="post-%d"]//button[contains(., "J'aime")]`, note.ID))
	b.waitXPath(fmt.Sprintf(`//article[@id="post-%d"]//button[@aria-pressed="true"]`, note.ID))
	b.check()
	b.shoot("thread")

	// Edit that reply from its own page.
	b.click(`//ol[contains(@class, "replies")]//article[contains(., "J'y serai")]//a[@class="date"]`)
	b.click(`//details[contains(@class, "edit-post")]/summary`)
	b.check()
	b.fill("#f-edit_text", "J'y serai, avec le dossier, merci @bernard")
	b.click(`//details[contains(@class, "edit-post")]//button[@type="submit"]`)
	b.notice("Message modifié")
	b.waitXPath(`//article[contains(., "avec le dossier")]`)
	b.check()

	// Join a group on the other node by pasting its address, then post in it.
	b.open(a.URL + "/find")
	b.fill("#f-address", "@reseau_urbanisme@"+other.Host+"\r")
	b.waitXPath(`//h1[contains(., "Réseau urbanisme")]`)
	b.click(`//div[contains(@class, "group-actions")]//button[contains(., "Rejoindre")]`)
	b.notice("Demande envoyée au nœud du groupe")
	camille, err := a.Store.LocalActorByUsername(ctx, "camille")
	if err != nil {
		t.Fatal(err)
	}
	groupHere, err := a.Store.ActorByURI(ctx, remoteGroup.URI)
	if err != nil {
		t.Fatal(err)
	}
	testnet.Eventually(t, federationWait, "camille's membership accepted by the other node", func() bool {
		m, err := a.Store.MembershipOf(ctx, groupHere.ID, camille.ID)
		return err == nil && m.State == store.StateAccepted
	})
	b.open(a.URL + "/g/reseau_urbanisme@" + other.Host)
	b.waitXPath(`//strong[contains(., "Vous êtes membre")]`)
	b.fill("#f-text", "Première contribution au réseau.")
	b.click(`//form[contains(@class, "composer")]//button[@type="submit"]`)
	b.notice("Publié")
	b.waitXPath(`//article[contains(., "Première contribution")]`)
	b.check()
	b.shoot("group")
	testnet.Eventually(t, federationWait, "the post reaches the group's node", func() bool {
		objs, err := other.Store.GroupTimeline(ctx, remoteGroup.ID, store.Page{})
		if err != nil {
			return false
		}
		for _, o := range objs {
			if strings.Contains(o.Content, "Première contribution") {
				return true
			}
		}
		return false
	})

	// Share a document in the group: upload it through the form, find it by
	// a word of its description typed without accents, download it; the
	// group's node gets it, and a member there downloads the same bytes.
	pdf := []byte("%PDF-1.7\n% Compte rendu\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	pdfPath := filepath.Join(t.TempDir(), "compte-rendu-reunion.pdf")
	if err := os.WriteFile(pdfPath, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	b.click(`//nav[contains(@class, "tabs")]//a[contains(., "Documents")]`)
	b.run(chromedp.WaitVisible("#f-file", chromedp.ByQuery))
	b.check()
	b.run(chromedp.SetUploadFiles("#f-file", []string{pdfPath}, chromedp.ByQuery))
	b.fill("#f-description", "Compte rendu de la réunion de l'équipe projet : décisions et échéances.")
	b.fill("#f-folder", "Réunions")
	b.click(`//form[contains(@class, "upload")]//button[@type="submit"]`)
	b.notice("Document ajouté")
	b.waitXPath(`//h2[contains(., "compte-rendu-reunion.pdf")]`)
	b.check()
	b.shoot("document")
	b.click(`//p[contains(@class, "breadcrumb")]/a[1]`)
	b.fill("#f-q", "echeances\r")
	b.waitXPath(`//h2[contains(., "1 document trouvé")]`)
	docLink := `//ul[contains(@class, "docs")]/li[.//h3/a[contains(., "compte-rendu-reunion.pdf")]]`
	b.waitXPath(docLink)
	b.check()
	b.shoot("documents")
	if status, header, got := b.download(b.attr(docLink+`//a[contains(@class, "download")]`, "href")); status != 200 ||
		!bytes.Equal(got, pdf) || !strings.HasPrefix(header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download through the page: %d, %d bytes, identical %v, %v", status, len(got), bytes.Equal(got, pdf), header)
	}
	var docOnOther struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	testnet.Eventually(t, federationWait, "a member on the group's node sees the document", func() bool {
		var docs []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		res := dominique.API("GET", fmt.Sprintf("/groups/%d/documents?q=echeances", remoteGroup.ID), nil)
		if res.Status != 200 {
			return false
		}
		res.JSON(t, &docs)
		if len(docs) == 1 && docs[0].Name == "compte-rendu-reunion.pdf" {
			docOnOther = docs[0]
		}
		return docOnOther.ID != ""
	})
	if res := dominique.API("GET", "/documents/"+docOnOther.ID+"/file", nil); res.Status != 200 || !bytes.Equal(res.Body, pdf) {
		t.Errorf("download on the group's node: %d, identical %v", res.Status, bytes.Equal(res.Body, pdf))
	}
	// A version added on the group's node is fetched from there on the
	// first download through this node's page.
	pdf2 := append(append([]byte{}, pdf...), "% version 2\n"...)
	if res := dominique.Upload("/documents/"+docOnOther.ID+"/versions", "compte-rendu-reunion.pdf", pdf2, nil); res.Status != 200 {
		t.Fatalf("new version on the group's node: %d %s", res.Status, res.Body)
	}
	testnet.Eventually(t, federationWait, "version 2 reaches this node", func() bool {
		docs, err := a.Store.Documents(ctx, store.DocumentQuery{GroupID: groupHere.ID})
		return err == nil && len(docs) == 1 && docs[0].CurrentVersion == 2
	})
	b.click(docLink + `//h3/a`)
	v2Link := `//table//a[contains(@href, "version=2")]`
	b.waitXPath(v2Link)
	b.check()
	if status, _, got := b.download(b.attr(v2Link, "href")); status != 200 || !bytes.Equal(got, pdf2) {
		t.Errorf("download of version 2 through the page: %d, identical %v", status, bytes.Equal(got, pdf2))
	}

	// Create a group that needs approval; someone on the other node asks;
	// approve as its animator.
	b.open(a.URL + "/new/group")
	b.fill("#f-name", "Cellule données")
	b.fill("#f-username", "cellule_donnees")
	b.click(`//input[@id="pol-approval"]`)
	b.click(`//form//button[@type="submit" and contains(@class, "primary")]`)
	b.notice("Groupe créé")
	res := eve.API("POST", "/groups/join", map[string]string{"acct": "cellule_donnees@" + a.Host})
	if res.Status != 200 {
		t.Fatalf("eve asks to join: %d %s", res.Status, res.Body)
	}
	localGroup, err := a.Store.LocalActorByUsername(ctx, "cellule_donnees")
	if err != nil {
		t.Fatal(err)
	}
	var eveHere *store.Actor
	testnet.Eventually(t, federationWait, "eve's request reaches the group", func() bool {
		eveHere, err = a.Store.ActorByURI(ctx, eve.Actor.URI)
		if err != nil {
			return false
		}
		m, err := a.Store.MembershipOf(ctx, localGroup.ID, eveHere.ID)
		return err == nil && m.State == store.StatePending
	})
	b.open(a.URL + "/notifications")
	b.waitXPath(`//section[.//h2[@id="jr-h"]]//li[contains(., "eve@")]`)
	b.shoot("notifications")
	b.open(a.URL + "/g/cellule_donnees/manage")
	b.shoot("group-manage")
	// The group's indicators, for its animators: charts with their text
	// alternative and the same figures in a table.
	b.click(`//a[contains(@href, "/g/cellule_donnees/observatory")]`)
	b.waitXPath(`//*[local-name()="svg" and @role="img"]`)
	b.waitXPath(`//table//th[@scope="row"]`)
	b.check()
	b.shoot("group-observatory")
	b.open(a.URL + "/g/cellule_donnees/manage")
	b.click(`//section[.//h2[@id="pending-h"]]//li[contains(., "eve@")]//button[contains(., "Accepter")]`)
	b.notice("Demande acceptée")
	b.waitXPath(`//table//td[contains(., "eve@")]`)
	b.check()
	groupOnEveNode, err := other.Store.ActorByURI(ctx, localGroup.URI)
	if err != nil {
		t.Fatal(err)
	}
	testnet.Eventually(t, federationWait, "eve learns she was approved", func() bool {
		m, err := other.Store.MembershipOf(ctx, groupOnEveNode.ID, eve.Actor.ID)
		return err == nil && m.State == store.StateAccepted
	})

	b.open(a.URL + "/groups")
	b.shoot("groups")

	// Switch to English; the choice is remembered on the next page.
	b.click(`//a[contains(@class, "lang")]`)
	b.run(chromedp.WaitVisible(`html[lang="en"]`, chromedp.ByQuery))
	if nav := b.text("header.site nav"); !strings.Contains(nav, "Directory") {
		t.Errorf("English navigation: %q", nav)
	}
	b.open(a.URL + "/directory?skill=urbanisme")
	b.waitXPath(`//h1[contains(., "People directory")]`)
	b.shoot("directory-en")
	b.open(a.URL + "/g/reseau_urbanisme@" + other.Host)
	b.waitXPath(`//strong[contains(., "You are a member")]`)

	// The admin pages, for the node admin.
	acct, err := a.Store.AccountByActorID(ctx, camille.ID)
	if err != nil {
		t.Fatal(err)
	}
	admin := store.RoleAdmin
	if err := a.Accounts.SetRights(ctx, nil, acct, accounts.Rights{Role: &admin}); err != nil {
		t.Fatal(err)
	}
	b.open(a.URL + "/admin")
	b.waitXPath(`//h2[contains(., "Access level rules")]`)
	b.shoot("admin")
	b.click(`//a[@href="/observatory"]`)
	b.waitXPath(`//h1[contains(., "Observatory")]`)
	b.run(chromedp.SetValue(`#obs-step`, "week", chromedp.ByID))
	b.click(`//form[@aria-label="Period"]//button`)
	var loc string
	b.run(chromedp.WaitVisible(`table`, chromedp.ByQuery), chromedp.Location(&loc))
	if !strings.Contains(loc, "step=week") {
		t.Errorf("the period form went to %s", loc)
	}
	b.check()
	b.shoot("observatory")
	b.open(a.URL + "/admin")
	// Delegated administration: a unit, then an account in it; a refused
	// account comes back with the error next to the field.
	b.fill("#f-unit_name", "Pôle urbanisme")
	b.click(`//form[@action="/admin/units"]//button`)
	b.notice("Unit added")
	b.check()
	b.fill("#f-new_username", "Paul Martin")
	b.fill("#f-new_email", "paul.martin@example.org")
	b.fill("#f-new_password", "mot-de-passe-de-paul")
	b.click(`//form[@action="/admin/accounts"]//button`)
	b.waitXPath(`//p[@id="f-new_username-error"]`)
	b.check()
	b.fill("#f-new_username", "paul_martin")
	b.fill("#f-new_password", "mot-de-passe-de-paul")
	b.click(`//form[@action="/admin/accounts"]//button`)
	b.notice("Account created")
	if _, err := a.Store.AccountByUsername(ctx, "paul_martin"); err != nil {
		t.Errorf("account made from the admin page: %v", err)
	}

	// Sessions, apps and tokens, each of which can be ended; an app asking
	// for access names itself and its scopes.
	res = a.Do("POST", "/api/v1/apps", "", map[string]any{"client_name": "Tusky", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
		"scopes": "read write follow", "website": "https://tusky.app"})
	var app struct {
		ClientID string `json:"client_id"`
	}
	res.JSON(t, &app)
	b.open(a.URL + "/oauth/authorize?" + url.Values{"client_id": {app.ClientID}, "redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"},
		"response_type": {"code"}, "scope": {"read write follow"}}.Encode())
	b.waitXPath(`//p[contains(., "Tusky")]`)
	b.check()
	b.shoot("authorize")
	b.click(`//button[@value="approve"]`)
	b.run(chromedp.WaitVisible("#oob-code", chromedp.ByQuery))
	b.open(a.URL + "/settings/security")
	b.waitXPath(`//h2[contains(., "Signed-in browsers")]`)
	b.check()
	b.shoot("security")

	// Mail choices: ask for mentions by mail and a daily digest.
	b.open(a.URL + "/settings/notifications")
	b.waitXPath(`//legend[contains(., "A digest of my groups")]`)
	b.click(`//label[@for="mp-mentions"]`)
	b.click(`//label[@for="mp-digest-daily"]`)
	b.check()
	b.shoot("mail-settings")
	b.click(`//form[@action="/settings/notifications"]//button`)
	b.notice("Saved")

	// Keyboard alone: Tab reaches the skip link first, focus is visible, and
	// the login form submits with Enter.
	b.click(`//form[@action="/logout"]//button`)
	b.notice("logged out")
	b.open(a.URL + "/login")
	var focused, outline string
	b.run(chromedp.Evaluate(`document.activeElement && document.activeElement.blur()`, nil),
		chromedp.KeyEvent("\t"),
		chromedp.Evaluate(`document.activeElement.className`, &focused),
		chromedp.Evaluate(`getComputedStyle(document.activeElement).outlineStyle`, &outline))
	if focused != "skip" || outline == "none" || outline == "" {
		t.Errorf("first Tab: focus on %q with outline %q; want the skip link, visibly focused", focused, outline)
	}
	b.run(chromedp.Focus("#f-login", chromedp.ByQuery),
		chromedp.Evaluate(`getComputedStyle(document.activeElement).outlineStyle`, &outline))
	if outline == "none" || outline == "" {
		t.Errorf("focused field has no visible outline")
	}
	b.fill("#f-login", "camille")
	b.fill("#f-password", "wrong password\r")
	b.waitXPath(`//p[contains(@class, "error") and contains(., "Wrong username or password")]`)
	if v := b.value("#f-login"); v != "camille" {
		t.Errorf("login form lost what was typed: %q", v)
	}
	b.check()
	b.shoot("login-error-en")
	b.fill("#f-password", "mot-de-passe-solide\r")
	b.waitXPath(`//h1[contains(., "My feed")]`)

	// Single sign-on: an agent of another ministry signs in through the
	// State's identity provider; the account is made from its claims.
	b.click(`//form[@action="/logout"]//button`)
	b.notice("logged out")
	b.open(a.URL + "/login")
	b.waitXPath(`//a[contains(., "Sign in with ProConnect")]`)
	b.check()
	b.shoot("login-sso-en")
	b.click(`//a[contains(., "Sign in with ProConnect")]`)
	b.run(chromedp.WaitVisible("#subject", chromedp.ByQuery))
	b.fill("#subject", "sub-claire\r")
	b.waitXPath(`//h1[contains(., "My feed")]`)
	claire, err := a.Store.AccountByEmail(ctx, "claire.martin@agriculture.gouv.fr")
	if err != nil || claire.Tier != store.TierState || !claire.Active() {
		t.Errorf("account made by single sign-on: %+v, %v", claire, err)
	}
}

// attr reads an attribute of the element an XPath finds.
func (b *browser) attr(xpath, name string) string {
	b.t.Helper()
	var v string
	var ok bool
	b.run(chromedp.WaitVisible(xpath, chromedp.BySearch), chromedp.AttributeValue(xpath, name, &v, &ok, chromedp.BySearch))
	if !ok {
		b.t.Fatalf("no %s attribute on %s", name, xpath)
	}
	return v
}

// download fetches a link of the current page outside the browser, with
// the browser's cookies (the session), so that the bytes can be compared.
func (b *browser) download(href string) (int, http.Header, []byte) {
	b.t.Helper()
	var loc string
	var cookies []*network.Cookie
	b.run(chromedp.Location(&loc), chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().WithURLs([]string{loc}).Do(ctx)
		return err
	}))
	base, err := url.Parse(loc)
	if err != nil {
		b.t.Fatal(err)
	}
	target, err := base.Parse(href)
	if err != nil {
		b.t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", target.String(), nil)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatalf("download %s: %v", target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatalf("download %s: %v", target, err)
	}
	return res.StatusCode, res.Header, body
}

func (b *browser) value(sel string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Value(sel, &s, chromedp.ByQuery))
	return s
}
