package client_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type suggestionJSON struct {
	Skill string
	Score float64
}

func suggestions(t *testing.T, u *testnet.User) []string {
	t.Helper()
	var list []suggestionJSON
	if res := u.API("GET", "/skills/suggestions", nil); res.Status != 200 {
		t.Fatalf("suggestions: %d %s", res.Status, res.Body)
	} else {
		res.JSON(t, &list)
	}
	var out []string
	for _, s := range list {
		out = append(out, s.Skill)
	}
	return out
}

// An agent who writes about town planning is suggested the node's skill
// "Urbanisme" (stems and accents aside: "urbanistes", "l'urbanisme"),
// ahead of a skill everyone speaks of; nothing is added before they
// accept; accepting adds it, a dismissed one never comes back, and a skill
// that is not a suggestion cannot be accepted.
func TestSkillSuggestionsFromOwnWords(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{NoWorker: true})
	alice := n.CreateUser("alice", store.TierState, "")
	bruno := n.CreateUser("bruno", store.TierState, "")
	chloe := n.CreateUser("chloe", store.TierState, "")
	// The node's vocabulary: skills others declared.
	bruno.API("PATCH", "/accounts/update_credentials", map[string]any{"skills": []string{"Urbanisme", "Réunions", "Marchés publics"}})
	chloe.API("PATCH", "/accounts/update_credentials", map[string]any{"skills": []string{"Comptabilité"}})
	var g struct{ ID string }
	alice.API("POST", "/groups", map[string]any{"name": "Marchés publics de la région", "description": "Achats et commande publique"})
	alice.API("POST", "/groups", map[string]any{"name": "Ville durable"}).JSON(t, &g)
	for _, text := range []string{
		"Les urbanistes de la métropole révisent le PLU : l'urbanisme commercial change.",
		"Compte rendu de l'atelier d'urbanisme, prochaine réunion jeudi.",
		"Quelle place pour l’URBANISME transitoire dans nos quartiers ?",
	} {
		if res := alice.API("POST", "/statuses", map[string]any{"status": text, "group_id": g.ID}); res.Status != 200 {
			t.Fatalf("post: %d %s", res.Status, res.Body)
		}
	}
	// Everybody holds meetings: "réunion" is common, so it ranks lower.
	bruno.API("POST", "/statuses", map[string]any{"status": "Réunion de service lundi"})
	chloe.API("POST", "/statuses", map[string]any{"status": "Réunion budgétaire"})

	got := suggestions(t, alice)
	if len(got) == 0 || got[0] != "Urbanisme" || !contains(got, "Réunions") {
		t.Fatalf("alice's suggestions %v, want Urbanisme first, then Réunions", got)
	}
	if contains(got, "Comptabilité") || contains(got, "Marchés publics") {
		t.Errorf("suggestions unrelated to alice's words, or from a group she is not active in: %v", got)
	}
	var me struct{ Skills []string }
	alice.API("GET", "/accounts/verify_credentials", nil).JSON(t, &me)
	if len(me.Skills) != 0 {
		t.Errorf("skills added without alice's say: %v", me.Skills)
	}

	if res := alice.API("POST", "/skills/suggestions/Comptabilit%C3%A9/accept", nil); res.Status != 404 {
		t.Errorf("accepting a skill that is not a suggestion: %d %s", res.Status, res.Body)
	}
	if res := alice.API("POST", "/skills/suggestions/"+url.PathEscape("Urbanisme")+"/accept", nil); res.Status != 200 ||
		!strings.Contains(string(res.Body), `"Urbanisme"`) {
		t.Fatalf("accept: %d %s", res.Status, res.Body)
	}
	alice.API("GET", "/accounts/verify_credentials", nil).JSON(t, &me)
	if !contains(me.Skills, "Urbanisme") {
		t.Errorf("accepted skill not on the profile: %v", me.Skills)
	}
	// The same suggestions on /settings/profile, dismissed from there.
	web, _ := browse(t, n, "alice")
	if status, page := web.get("/settings/profile"); status != 200 || !strings.Contains(page, "Compétences suggérées") ||
		!strings.Contains(page, `name="skill" value="Réunions"`) {
		t.Errorf("profile settings %d:\n%s", status, page)
	}
	if status, _ := web.post("/settings/skills/suggestions/dismiss", url.Values{"skill": {"réunions"}}); status != 200 {
		t.Fatalf("dismiss from the page: %d", status)
	}
	if res := alice.API("POST", "/skills/suggestions/"+url.PathEscape("Réunions")+"/dismiss", nil); res.Status != 404 {
		t.Errorf("dismissing twice: %d %s", res.Status, res.Body)
	}
	alice.API("POST", "/statuses", map[string]any{"status": "Encore une réunion sur l'urbanisme"})
	if got := suggestions(t, alice); contains(got, "Réunions") || contains(got, "Urbanisme") {
		t.Errorf("after accept and dismiss: %v", got)
	}
	if res := n.Do("GET", "/api/v1/skills/suggestions", "", nil); res.Status != 401 {
		t.Errorf("anonymous: %d", res.Status)
	}
}
