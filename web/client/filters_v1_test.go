package client_test

import (
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// /api/v1/filters is a view over the v2 filters: one v1 filter per keyword;
// a v1 filter created is a v2 filter that hides home posts; bad input is a
// 422; another's filter is a 404; deleting removes it from both versions.
func TestFiltersV1(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	bob.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{})

	for name, body := range map[string]map[string]any{
		"no phrase":   {"context": []string{"home"}},
		"no context":  {"phrase": "x"},
		"bad context": {"phrase": "x", "context": []string{"elsewhere"}},
		"NUL":         {"phrase": "a\x00b", "context": []string{"home"}},
	} {
		want := 422
		if name == "NUL" {
			want = 400 // the node's text check on every body (respond.CheckText)
		}
		if res := bob.API("POST", "/filters", body); res.Status != want {
			t.Errorf("%s: %d %s, want %d", name, res.Status, res.Body, want)
		}
	}
	var f1 struct {
		ID, Phrase   string
		Context      []string
		Irreversible bool
		WholeWord    bool `json:"whole_word"`
	}
	res := bob.API("POST", "/filters", map[string]any{"phrase": "football", "context": []string{"home"}, "irreversible": true})
	res.JSON(t, &f1)
	if res.Status != 200 || f1.Phrase != "football" || !f1.Irreversible || !f1.WholeWord || len(f1.Context) != 1 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	var v2 []struct {
		ID, Title    string
		FilterAction string `json:"filter_action"`
		Keywords     []struct{ ID, Keyword string }
	}
	n.Do("GET", "/api/v2/filters", bob.Token, nil).JSON(t, &v2)
	if len(v2) != 1 || v2[0].FilterAction != "hide" || len(v2[0].Keywords) != 1 || v2[0].Keywords[0].ID != f1.ID {
		t.Fatalf("v2 view: %+v", v2)
	}
	// A v2 filter with two keywords is two v1 filters.
	n.Do("POST", "/api/v2/filters", bob.Token, map[string]any{"title": "Money", "context": []string{"public"},
		"keywords_attributes": []map[string]any{{"keyword": "budget"}, {"keyword": "impôt", "whole_word": false}}})
	var list []struct{ ID, Phrase string }
	if res := bob.API("GET", "/filters", nil); res.Status != 200 {
		t.Fatalf("list: %d", res.Status)
	} else {
		res.JSON(t, &list)
	}
	if len(list) != 3 {
		t.Fatalf("v1 list: %+v", list)
	}

	foot := post(t, alice, map[string]any{"status": "Le football ce soir"})
	if ids := statusIDs(timeline(t, n, bob.Token, "/timelines/home")); strings.Contains(ids, foot) {
		t.Error("the v1 irreversible filter let the post into bob's home")
	}

	if res := alice.API("GET", "/filters/"+f1.ID, nil); res.Status != 404 {
		t.Errorf("alice reads bob's filter: %d", res.Status)
	}
	if res := alice.API("DELETE", "/filters/"+f1.ID, nil); res.Status != 404 {
		t.Errorf("alice deletes bob's filter: %d", res.Status)
	}
	if res := bob.API("GET", "/filters/"+f1.ID, nil); res.Status != 200 {
		t.Errorf("get: %d", res.Status)
	}
	if res := bob.API("DELETE", "/filters/"+f1.ID, nil); res.Status != 200 {
		t.Errorf("delete: %d", res.Status)
	}
	if res := bob.API("GET", "/filters/"+f1.ID, nil); res.Status != 404 {
		t.Errorf("after delete: %d", res.Status)
	}
	n.Do("GET", "/api/v2/filters", bob.Token, nil).JSON(t, &v2)
	if len(v2) != 1 || v2[0].Title != "Money" {
		t.Errorf("v2 after the v1 delete: %+v", v2)
	}
}
