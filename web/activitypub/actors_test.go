package activitypub_test

import (
	"strings"
	"testing"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

const activityJSON = "application/activity+json"

func TestActorDocumentsParseBack(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	res := alice.API("PATCH", "/accounts/update_credentials", map[string]any{
		"display_name": "Alice Martin", "note": "Cheffe de projet <urbanisme>", "organisation": "Préfecture de la Gironde",
		"unit": "SGAR", "job_title": "Cheffe de projet", "skills": []string{"Urbanisme", "marchés publics"},
	})
	if res.Status != 200 {
		t.Fatalf("update_credentials: %d %s", res.Status, res.Body)
	}

	doc := n.Do("GET", "/users/alice", "", nil, "Accept", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	if doc.Status != 200 || !strings.HasPrefix(doc.Header.Get("Content-Type"), activityJSON) {
		t.Fatalf("actor: %d %s", doc.Status, doc.Header.Get("Content-Type"))
	}
	it, err := vocab.UnmarshalJSON(doc.Body)
	if err != nil || it == nil {
		t.Fatalf("go-ap cannot read our actor: %v", err)
	}
	person, err := vocab.ToActor(it)
	if err != nil {
		t.Fatal(err)
	}
	base := n.URL + "/users/alice"
	checks := map[string][2]string{
		"type":              {string(person.Type), "Person"},
		"id":                {string(person.ID), base},
		"inbox":             {string(person.Inbox.GetLink()), base + "/inbox"},
		"outbox":            {string(person.Outbox.GetLink()), base + "/outbox"},
		"followers":         {string(person.Followers.GetLink()), base + "/followers"},
		"following":         {string(person.Following.GetLink()), base + "/following"},
		"sharedInbox":       {string(person.Endpoints.SharedInbox.GetLink()), n.URL + "/inbox"},
		"preferredUsername": {person.PreferredUsername.First().String(), "alice"},
		"name":              {person.Name.First().String(), "Alice Martin"},
		"summary":           {person.Summary.First().String(), "<p>Cheffe de projet &lt;urbanisme&gt;</p>"},
		"publicKey.id":      {string(person.PublicKey.ID), base + "#main-key"},
		"publicKey.owner":   {string(person.PublicKey.Owner), base},
	}
	for field, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", field, c[0], c[1])
		}
	}
	if !strings.HasPrefix(person.PublicKey.PublicKeyPem, "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("publicKeyPem = %q", person.PublicKey.PublicKeyPem)
	}
	// The extension fields go-ap drops come back through our own parser.
	parsed, err := ap.ParseActor(doc.Body)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Organisation != "Préfecture de la Gironde" || parsed.UnitName != "SGAR" || parsed.JobTitle != "Cheffe de projet" || parsed.Tier != "state" {
		t.Errorf("profile fields: %+v", parsed)
	}
	if strings.Join(parsed.Skills, "|") != "marchés publics|Urbanisme" {
		t.Errorf("skills = %q", parsed.Skills)
	}
	for _, want := range []string{`"type":"Hashtag","name":"#Urbanisme"`, `"name":"#marchés_publics"`, `"attachment":[`} {
		if !strings.Contains(string(doc.Body), want) {
			t.Errorf("actor JSON lacks %s", want)
		}
	}

	// A browser gets HTML.
	page := n.Do("GET", "/@alice", "", nil, "Accept", "text/html")
	if page.Status != 200 || !strings.Contains(string(page.Body), "Alice Martin") || !strings.Contains(string(page.Body), "marchés publics") {
		t.Errorf("profile page: %d", page.Status)
	}
	redirect := n.Do("GET", "/users/alice", "", nil, "Accept", "text/html")
	if redirect.Status != 200 || !strings.Contains(string(redirect.Body), "Alice Martin") {
		t.Errorf("browser on the actor URL: %d", redirect.Status)
	}
}

// A profile or group page's URL, asked for as ActivityPub, gives the actor
// document; as HTML, the page, which links that document.
func TestProfileURLsServeActors(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	var g struct{ Username, URI string }
	alice.API("POST", "/groups", map[string]any{"name": "Atelier", "visibility": "public"}).JSON(t, &g)
	for path, id := range map[string]string{"/@alice": alice.Actor.URI, "/@alice@" + n.Host: alice.Actor.URI, "/g/" + g.Username: g.URI} {
		var doc struct{ ID string }
		res := n.Do("GET", path, "", nil, "Accept", activityJSON)
		res.JSON(t, &doc)
		if res.Status != 200 || doc.ID != id || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/activity+json") {
			t.Errorf("%s as ActivityPub: %d %q %s", path, res.Status, res.Header.Get("Content-Type"), doc.ID)
		}
		page := n.Do("GET", path, "", nil, "Accept", "text/html")
		if page.Status != 200 || !strings.Contains(string(page.Body), `<link rel="alternate" type="application/activity+json" href="`+id+`">`) {
			t.Errorf("%s as HTML: %d, no alternate link", path, page.Status)
		}
	}
	if res := n.Do("GET", "/@nobody", "", nil, "Accept", activityJSON); res.Status != 404 {
		t.Errorf("unknown profile as ActivityPub: %d", res.Status)
	}
}
