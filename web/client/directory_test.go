package client_test

import (
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

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
