package web_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	vocab "github.com/go-ap/activitypub"

	"github.com/archipel-social/archipel/ap"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

const activityJSON = "application/activity+json"

const publicCollection = "https://www.w3.org/ns/activitystreams#Public"

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

func TestWebFingerAndNodeInfo(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	g := alice.API("POST", "/groups", map[string]any{"name": "Urbanisme Grand Est", "visibility": "public"})
	var group struct{ ID, Acct, Username string }
	g.JSON(t, &group)
	if g.Status != 200 || group.Acct != "urbanisme_grand_est@"+n.Host {
		t.Fatalf("create group: %d %s", g.Status, g.Body)
	}
	secret := alice.API("POST", "/groups", map[string]any{"name": "Cellule de crise", "visibility": "secret"})
	if secret.Status != 200 {
		t.Fatalf("secret group: %d %s", secret.Status, secret.Body)
	}

	for _, tc := range []struct {
		resource string
		status   int
		self     string
	}{
		{"acct:alice@" + n.Host, 200, n.URL + "/users/alice"},
		{"acct:ALICE@" + n.Host, 200, n.URL + "/users/alice"},
		{n.URL + "/users/alice", 200, n.URL + "/users/alice"},
		{"acct:urbanisme_grand_est@" + n.Host, 200, n.URL + "/groups/urbanisme_grand_est"},
		{"acct:cellule_de_crise@" + n.Host, 404, ""},
		{"acct:nobody@" + n.Host, 404, ""},
		{"acct:alice@elsewhere.example", 404, ""},
		{"", 400, ""},
	} {
		res := n.Do("GET", "/.well-known/webfinger?resource="+tc.resource, "", nil)
		if res.Status != tc.status {
			t.Errorf("webfinger %q: %d, want %d", tc.resource, res.Status, tc.status)
			continue
		}
		if tc.status != 200 {
			var e map[string]string
			res.JSON(t, &e)
			if e["error"] == "" {
				t.Errorf("webfinger %q: no error message", tc.resource)
			}
			continue
		}
		var jrd struct {
			Subject string
			Links   []struct{ Rel, Type, Href string }
		}
		res.JSON(t, &jrd)
		var self string
		for _, l := range jrd.Links {
			if l.Rel == "self" && l.Type == activityJSON {
				self = l.Href
			}
		}
		if self != tc.self || !strings.HasPrefix(jrd.Subject, "acct:") {
			t.Errorf("webfinger %q: subject %q self %q", tc.resource, jrd.Subject, self)
		}
	}

	groupDoc := n.Do("GET", "/groups/urbanisme_grand_est", "", nil, "Accept", activityJSON)
	it, err := vocab.UnmarshalJSON(groupDoc.Body)
	if err != nil || it == nil || it.GetType() != vocab.GroupType {
		t.Fatalf("group actor: %d %v %s", groupDoc.Status, err, groupDoc.Body)
	}
	if n.Do("GET", "/groups/cellule_de_crise", "", nil, "Accept", activityJSON).Status != 404 {
		t.Error("secret group actor disclosed to an anonymous reader")
	}
	inst := n.Do("GET", "/actor", "", nil, "Accept", activityJSON)
	if it, err := vocab.UnmarshalJSON(inst.Body); err != nil || it == nil || it.GetType() != vocab.ApplicationType {
		t.Errorf("instance actor: %d %s", inst.Status, inst.Body)
	}

	var links struct{ Links []struct{ Rel, Href string } }
	n.Do("GET", "/.well-known/nodeinfo", "", nil).JSON(t, &links)
	if len(links.Links) != 1 || links.Links[0].Href != n.URL+"/nodeinfo/2.1" {
		t.Fatalf("nodeinfo links: %+v", links)
	}
	var info struct {
		Version   string
		Software  struct{ Name, Version string }
		Protocols []string
		Usage     struct {
			Users struct{ Total int }
		}
	}
	n.Do("GET", "/nodeinfo/2.1", "", nil).JSON(t, &info)
	if info.Version != "2.1" || info.Software.Name != "archipel" || info.Protocols[0] != "activitypub" || info.Usage.Users.Total != 1 {
		t.Errorf("nodeinfo: %+v", info)
	}
}

func TestCollections(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	for i := range 25 {
		if res := alice.API("POST", "/statuses", map[string]any{"status": "Note " + strconv.Itoa(i)}); res.Status != 200 {
			t.Fatalf("post: %d %s", res.Status, res.Body)
		}
	}
	alice.API("POST", "/statuses", map[string]any{"status": "for followers", "visibility": "private"})
	var coll struct {
		Type       string
		TotalItems int
		First      string
	}
	n.Do("GET", "/users/alice/outbox", "", nil, "Accept", activityJSON).JSON(t, &coll)
	// The followers-only post is neither listed nor counted.
	if coll.Type != "OrderedCollection" || coll.TotalItems != 25 || coll.First == "" {
		t.Fatalf("outbox: %+v", coll)
	}
	var page struct {
		Type         string
		Next         string
		OrderedItems []struct {
			Type   string
			Object struct{ Content string }
		}
	}
	n.Do("GET", strings.TrimPrefix(coll.First, n.URL), "", nil, "Accept", activityJSON).JSON(t, &page)
	if page.Type != "OrderedCollectionPage" || len(page.OrderedItems) != ap.CollectionPageSize || page.Next == "" {
		t.Fatalf("first page: %s, %d items, next %q", page.Type, len(page.OrderedItems), page.Next)
	}
	if page.OrderedItems[0].Type != "Create" || page.OrderedItems[0].Object.Content != "<p>Note 24</p>" {
		t.Errorf("newest first: %+v", page.OrderedItems[0])
	}
	var second struct {
		OrderedItems []any
		Next         string
	}
	n.Do("GET", strings.TrimPrefix(page.Next, n.URL), "", nil, "Accept", activityJSON).JSON(t, &second)
	if len(second.OrderedItems) != 5 || second.Next != "" {
		t.Errorf("second page: %d items (followers-only post must not be listed), next %q", len(second.OrderedItems), second.Next)
	}

	// A public group's outbox carries its latest posts as the group announced
	// them, and its moderators inline (what Lemmy reads).
	pub := alice.API("POST", "/groups", map[string]any{"name": "Atelier ouvert", "visibility": "public"})
	var pg struct{ ID, Username string }
	pub.JSON(t, &pg)
	for i := range 3 {
		if res := alice.API("POST", "/statuses", map[string]any{"status": "Dans le groupe " + strconv.Itoa(i), "group_id": pg.ID}); res.Status != 200 {
			t.Fatalf("group post: %d %s", res.Status, res.Body)
		}
	}
	var gout struct {
		Type         string
		TotalItems   int
		First        string
		OrderedItems []struct {
			Type, Actor string
			Object      struct {
				Type   string
				Object struct{ Content string }
			}
		}
	}
	n.Do("GET", "/groups/"+pg.Username+"/outbox", "", nil, "Accept", activityJSON).JSON(t, &gout)
	if gout.TotalItems != 3 || len(gout.OrderedItems) != 3 || gout.First == "" {
		t.Fatalf("group outbox: %+v", gout)
	}
	if it := gout.OrderedItems[0]; it.Type != "Announce" || it.Actor != n.URL+"/groups/"+pg.Username ||
		it.Object.Type != "Create" || it.Object.Object.Content != "<p>Dans le groupe 2</p>" {
		t.Errorf("group outbox item: %+v", it)
	}
	var addressed struct {
		OrderedItems []struct {
			To     []string
			Object struct {
				To     []string
				Object struct {
					ID string
					To []string
				}
			}
		}
	}
	n.Do("GET", "/groups/"+pg.Username+"/outbox", "", nil, "Accept", activityJSON).JSON(t, &addressed)
	if it := addressed.OrderedItems[0]; !slices.Contains(it.To, publicCollection) || !slices.Contains(it.Object.To, publicCollection) ||
		!slices.Contains(it.Object.Object.To, publicCollection) {
		t.Errorf("a public group's announce, create and note must say they are public: %+v", it)
	} else if res := n.Do("GET", strings.TrimPrefix(it.Object.Object.ID, n.URL), "", nil, "Accept", activityJSON); res.Status != 200 {
		t.Errorf("unsigned GET of a public group's post: %d", res.Status)
	}
	quiet := alice.API("POST", "/groups", map[string]any{"name": "Atelier calme", "visibility": "public"})
	var qg struct{ Username string }
	quiet.JSON(t, &qg)
	if res := n.Do("GET", "/groups/"+qg.Username+"/outbox", "", nil, "Accept", activityJSON); !strings.Contains(string(res.Body), `"orderedItems":[]`) {
		t.Errorf("an empty group outbox has no orderedItems array: %s", res.Body)
	}
	var mods struct {
		TotalItems   int
		OrderedItems []string
	}
	n.Do("GET", "/groups/"+pg.Username+"/moderators", "", nil, "Accept", activityJSON).JSON(t, &mods)
	if mods.TotalItems != 1 || len(mods.OrderedItems) != 1 || mods.OrderedItems[0] != alice.Actor.URI {
		t.Errorf("moderators: %+v", mods)
	}
	empty := n.Do("GET", "/users/alice/followers?page=true", "", nil, "Accept", activityJSON)
	if !strings.Contains(string(empty.Body), `"orderedItems":[]`) {
		t.Errorf("an empty page has no orderedItems array: %s", empty.Body)
	}

	// Private group members are not shown to an unsigned reader.
	priv := alice.API("POST", "/groups", map[string]any{"name": "Projet SI", "visibility": "private"})
	var g struct{ Username string }
	priv.JSON(t, &g)
	if res := n.Do("GET", "/groups/"+g.Username+"/members", "", nil, "Accept", activityJSON); res.Status != 401 {
		t.Errorf("private members, unsigned: %d", res.Status)
	}
	pub = alice.API("POST", "/groups", map[string]any{"name": "Réseau public"})
	pub.JSON(t, &g)
	var members struct{ TotalItems int }
	n.Do("GET", "/groups/"+g.Username+"/members", "", nil, "Accept", activityJSON).JSON(t, &members)
	if members.TotalItems != 1 {
		t.Errorf("public group members: %d", members.TotalItems)
	}
}

func TestDirectoryBySkill(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	people := map[string][]string{
		"alice": {"Urbanisme", "Marchés publics"},
		"bruno": {"Cybersécurité", "Réseaux"},
		"chloe": {"Politique de la ville", "urbanisme opérationnel"},
		"denis": {"Comptabilité publique"},
	}
	for name, skills := range people {
		u := n.CreateUser(name, store.TierState, "")
		if res := u.API("PATCH", "/accounts/update_credentials", map[string]any{"skills": skills}); res.Status != 200 {
			t.Fatalf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	for _, tc := range []struct {
		skill string
		want  []string // in order for the first ones; all must be present
	}{
		{"urbanisme", []string{"alice", "chloe"}},
		{"URBANISME", []string{"alice", "chloe"}},
		{"Urba", []string{"alice", "chloe"}},
		{"urbnisme", []string{"alice", "chloe"}}, // typo
		{"cybersecurite", []string{"bruno"}},     // accents folded
		{"CYBERSÉCURITÉ", []string{"bruno"}},
		{"marches publics", []string{"alice"}},
		{"publics", []string{"alice", "denis"}}, // a word of the skill, then "publique" by typo tolerance
		{"ville", []string{"chloe"}},
		{"boulangerie", nil},
	} {
		var got []struct{ Username string }
		res := n.Do("GET", "/api/v1/directory?skill="+urlQuery(tc.skill), "", nil)
		res.JSON(t, &got)
		names := make([]string, 0, len(got))
		for _, g := range got {
			names = append(names, g.Username)
		}
		if strings.Join(names, ",") != strings.Join(tc.want, ",") {
			t.Errorf("skill %q: got %v, want %v", tc.skill, names, tc.want)
		}
	}
	// Paging.
	var first, second []struct{ Username string }
	n.Do("GET", "/api/v1/directory?skill=urbanisme&limit=1", "", nil).JSON(t, &first)
	n.Do("GET", "/api/v1/directory?skill=urbanisme&limit=1&offset=1", "", nil).JSON(t, &second)
	if len(first) != 1 || len(second) != 1 || first[0].Username == second[0].Username {
		t.Errorf("paging: %v then %v", first, second)
	}
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "%20").Replace(s)
}

func TestRightsAndTiers(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	admin := n.CreateUser("admin", store.TierState, store.RoleAdmin)
	// Tier rules, then sign-up picks the tier from the e-mail domain.
	if res := admin.API("POST", "/admin/tier_rules", map[string]string{"pattern": "*.gouv.fr", "tier": "state"}); res.Status != 200 {
		t.Fatalf("tier rule: %d %s", res.Status, res.Body)
	}
	admin.API("POST", "/admin/tier_rules", map[string]string{"pattern": "ville-metz.fr", "tier": "public"})
	for email, tier := range map[string]string{"a1@gironde.gouv.fr": "state", "a2@ville-metz.fr": "public", "a3@asso.org": "partner"} {
		res := admin.API("POST", "/admin/accounts", map[string]string{"username": strings.Split(email, "@")[0], "email": email, "password": "long enough"})
		var acct struct{ Tier string }
		res.JSON(t, &acct)
		if res.Status != 200 || acct.Tier != tier {
			t.Errorf("%s: %d tier %q, want %q (%s)", email, res.Status, acct.Tier, tier, res.Body)
		}
	}

	// Units: region > department > service, and a second region.
	var region, dept, service, other struct{ ID int64 }
	admin.API("POST", "/units", map[string]any{"name": "Nouvelle-Aquitaine", "kind": "region"}).JSON(t, &region)
	admin.API("POST", "/units", map[string]any{"name": "Gironde", "kind": "department", "parent_id": region.ID}).JSON(t, &dept)
	admin.API("POST", "/units", map[string]any{"name": "DDTM", "kind": "service", "parent_id": dept.ID}).JSON(t, &service)
	admin.API("POST", "/units", map[string]any{"name": "Grand Est", "kind": "region"}).JSON(t, &other)
	if service.ID == 0 || other.ID == 0 {
		t.Fatal("units not created")
	}
	unitAdmin := n.CreateUser("ua", store.TierState, store.RoleUnitAdmin)
	if err := n.Accounts.SetRights(ctx, nil, unitAdmin.Account, rightsUnit(dept.ID)); err != nil {
		t.Fatal(err)
	}
	unitAdmin.Account, _ = n.Store.AccountByID(ctx, unitAdmin.Account.ID)

	// The unit admin creates an account in its service, not elsewhere.
	res := unitAdmin.API("POST", "/admin/accounts", map[string]any{"username": "agent1", "email": "agent1@gironde.gouv.fr", "password": "long enough", "unit_id": service.ID})
	if res.Status != 200 {
		t.Fatalf("unit admin in its unit: %d %s", res.Status, res.Body)
	}
	var agent1 struct{ ID string }
	res.JSON(t, &agent1)
	if res := unitAdmin.API("POST", "/admin/accounts", map[string]any{"username": "agent2", "email": "agent2@gouv.fr", "password": "long enough", "unit_id": other.ID}); res.Status != 403 {
		t.Errorf("unit admin outside its unit: %d", res.Status)
	}
	if res := unitAdmin.API("POST", "/admin/accounts", map[string]any{"username": "agent3", "email": "agent3@gouv.fr", "password": "long enough", "unit_id": service.ID, "role": "admin"}); res.Status != 403 {
		t.Errorf("unit admin creating a node admin: %d", res.Status)
	}
	if res := unitAdmin.API("PATCH", "/admin/accounts/"+agent1.ID, map[string]any{"tier": "public"}); res.Status != 200 {
		t.Errorf("unit admin changing a tier in its unit: %d %s", res.Status, res.Body)
	}
	if res := unitAdmin.API("PATCH", "/admin/accounts/"+agent1.ID, map[string]any{"role": "admin"}); res.Status != 403 {
		t.Errorf("unit admin promoting to admin: %d", res.Status)
	}
	if res := unitAdmin.API("PATCH", "/admin/accounts/"+agent1.ID, map[string]any{"unit_id": other.ID}); res.Status != 403 {
		t.Errorf("unit admin moving an account out of its units: %d", res.Status)
	}
	outsider := n.CreateUser("outsider", store.TierState, "")
	if res := unitAdmin.API("PATCH", "/admin/accounts/"+strconv.FormatInt(outsider.Actor.ID, 10), map[string]any{"tier": "partner"}); res.Status != 403 {
		t.Errorf("unit admin changing an account of no unit: %d", res.Status)
	}
	member := n.CreateUser("member", store.TierState, "")
	if res := member.API("POST", "/admin/accounts", map[string]any{"username": "x", "email": "x@gouv.fr", "password": "long enough"}); res.Status != 403 {
		t.Errorf("member creating an account: %d", res.Status)
	}
	if res := member.API("POST", "/admin/tier_rules", map[string]string{"pattern": "*.org", "tier": "state"}); res.Status != 403 {
		t.Errorf("member setting a tier rule: %d", res.Status)
	}

	// Group creation: partners cannot until the admin allows it.
	partner := n.CreateUser("asso", store.TierPartner, "")
	if res := partner.API("POST", "/groups", map[string]any{"name": "Asso"}); res.Status != 403 {
		t.Errorf("partner creating a group: %d", res.Status)
	}
	public := n.CreateUser("mairie", store.TierPublic, "")
	if res := public.API("POST", "/groups", map[string]any{"name": "Mairie"}); res.Status != 200 {
		t.Errorf("public agent creating a group: %d", res.Status)
	}
	if err := n.Store.SetSetting(ctx, store.SettingPartnersMayCreateGroups, "true"); err != nil {
		t.Fatal(err)
	}
	if res := partner.API("POST", "/groups", map[string]any{"name": "Asso"}); res.Status != 200 {
		t.Errorf("partner creating a group once allowed: %d", res.Status)
	}
}

func TestBadInput(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	ctx := context.Background()
	admin := n.CreateUser("admin", store.TierState, store.RoleAdmin)
	long := strings.Repeat("é", 101)
	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		field                     string
	}{
		{"unknown account", "GET", "/api/v1/accounts/999999", "", nil, 404, ""},
		{"unknown account id shape", "GET", "/api/v1/accounts/abc", "", nil, 404, ""},
		{"unknown lookup", "GET", "/api/v1/accounts/lookup?acct=nobody", "", nil, 404, ""},
		{"unknown actor", "GET", "/users/nobody", "", nil, 404, ""},
		{"unknown group", "GET", "/api/v1/groups/424242", "", nil, 404, ""},
		{"malformed JSON", "POST", "/api/v1/statuses", admin.Token, []byte(`{"status": "x"`), 400, ""},
		{"wrong JSON type", "POST", "/api/v1/statuses", admin.Token, []byte(`{"status": 12}`), 400, ""},
		{"empty status", "POST", "/api/v1/statuses", admin.Token, map[string]string{"status": " "}, 422, "status"},
		{"long display name", "PATCH", "/api/v1/accounts/update_credentials", admin.Token, map[string]string{"display_name": long}, 422, "display_name"},
		{"long skill", "PATCH", "/api/v1/accounts/update_credentials", admin.Token, map[string]any{"skills": []string{strings.Repeat("a", 65)}}, 422, "skills"},
		{"long group name", "POST", "/api/v1/groups", admin.Token, map[string]string{"name": long}, 422, "name"},
		{"bad visibility", "POST", "/api/v1/groups", admin.Token, map[string]string{"name": "x", "visibility": "hidden"}, 422, "visibility"},
		{"duplicate username", "POST", "/api/v1/admin/accounts", admin.Token, map[string]string{"username": "admin", "email": "other@gouv.fr", "password": "long enough"}, 409, "username"},
		{"duplicate email", "POST", "/api/v1/admin/accounts", admin.Token, map[string]string{"username": "other", "email": "ADMIN@example.gouv.fr", "password": "long enough"}, 409, "email"},
		{"bad email", "POST", "/api/v1/admin/accounts", admin.Token, map[string]string{"username": "other", "email": "not-an-address", "password": "long enough"}, 422, "email"},
		{"short password", "POST", "/api/v1/admin/accounts", admin.Token, map[string]string{"username": "other", "email": "o@gouv.fr", "password": "short"}, 422, "password"},
		{"bad username", "POST", "/api/v1/admin/accounts", admin.Token, map[string]string{"username": "Ot/her", "email": "o@gouv.fr", "password": "long enough"}, 422, "username"},
		{"missing token", "GET", "/api/v1/timelines/home", "", nil, 401, ""},
		{"wrong token", "GET", "/api/v1/timelines/home", "nope", nil, 401, ""},
		{"oversized body", "POST", "/api/v1/statuses", admin.Token, []byte(`{"status":"` + strings.Repeat("a", 2<<20) + `"}`), 413, ""},
	} {
		var body any = tc.body
		res := n.Do(tc.method, tc.path, tc.token, body, "Accept", "application/json")
		if res.Status != tc.status {
			t.Errorf("%s: %d, want %d (%s)", tc.name, res.Status, tc.status, truncate(res.Body))
			continue
		}
		var e struct{ Error, Field string }
		res.JSON(t, &e)
		if e.Error == "" || e.Field != tc.field {
			t.Errorf("%s: error %q field %q, want field %q", tc.name, e.Error, e.Field, tc.field)
		}
	}
	// A refused sign-up leaves no actor behind (one transaction).
	var actors int
	if err := n.Pool.QueryRow(ctx, `select count(*) from actors where username = 'other'`).Scan(&actors); err != nil || actors != 0 {
		t.Errorf("refused sign-ups left %d actors (%v)", actors, err)
	}
	// 409 on the e-mail after the actor insert succeeded: nothing half-written.
	if err := n.Pool.QueryRow(ctx, `select count(*) from actors where type = 'Person'`).Scan(&actors); err != nil || actors != 1 {
		t.Errorf("persons: %d", actors)
	}
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

func TestHealthAndMetrics(t *testing.T) {
	// No worker: the test closes the node's Redis client under it.
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	if res := n.Do("GET", "/healthz", "", nil); res.Status != http.StatusOK {
		t.Fatalf("healthz: %d %s", res.Status, res.Body)
	}
	n.Do("GET", "/users/nobody", "", nil, "Accept", activityJSON)
	res := n.Do("GET", "/metrics", "", nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), `archipel_http_requests_total{method="GET",route="/users/{username}",status="404"}`) {
		t.Errorf("metrics lack the request counter:\n%s", res.Body)
	}
	// With Redis gone the node says so.
	n.Redis.Close()
	if res := n.Do("GET", "/healthz", "", nil); res.Status != http.StatusServiceUnavailable {
		t.Errorf("healthz without Redis: %d", res.Status)
	}
}
