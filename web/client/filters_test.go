package client_test

import (
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// Keyword filters: CRUD on /api/v2/filters; a hide filter leaves matching
// posts out of its contexts, a warn filter marks them with filtered; whole
// words match only as words; other contexts are untouched.
func TestKeywordFilters(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	bob.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{})
	api2 := func(method, path string, body any) *testnet.Response {
		return n.Do(method, "/api/v2"+path, bob.Token, body)
	}
	var hide, warn struct {
		ID           string
		FilterAction string `json:"filter_action"`
		Keywords     []struct {
			ID, Keyword string
			WholeWord   bool `json:"whole_word"`
		}
	}
	res := api2("POST", "/filters", map[string]any{"title": "Foot", "context": []string{"home", "public"}, "filter_action": "hide",
		"keywords_attributes": []map[string]any{{"keyword": "football", "whole_word": true}}})
	res.JSON(t, &hide)
	if res.Status != 200 || hide.FilterAction != "hide" || len(hide.Keywords) != 1 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	res = api2("POST", "/filters", map[string]any{"title": "Budget", "context": []string{"home"},
		"keywords_attributes": []map[string]any{{"keyword": "budget", "whole_word": false}}})
	res.JSON(t, &warn)
	if res.Status != 200 || warn.FilterAction != "warn" {
		t.Fatalf("create warn: %d %s", res.Status, res.Body)
	}
	foot := post(t, alice, map[string]any{"status": "Le football ce soir"})
	word := post(t, alice, map[string]any{"status": "Les footballeurs arrivent"}) // not the whole word
	money := post(t, alice, map[string]any{"status": "Le budgetaire est voté"})
	plain := post(t, alice, map[string]any{"status": "Rien à signaler"})

	var home []struct {
		ID       string
		Filtered []struct {
			Filter         struct{ ID string }
			KeywordMatches []string `json:"keyword_matches"`
		}
	}
	bob.API("GET", "/timelines/home", nil).JSON(t, &home)
	got := map[string]int{}
	for _, s := range home {
		got[s.ID] = len(s.Filtered)
		if s.ID == money && (len(s.Filtered) != 1 || s.Filtered[0].Filter.ID != warn.ID || s.Filtered[0].KeywordMatches[0] != "budget") {
			t.Errorf("warned status: %+v", s)
		}
	}
	if _, ok := got[foot]; ok {
		t.Errorf("the hide filter let %s through", foot)
	}
	if _, ok := got[word]; !ok || got[plain] != 0 || got[money] != 1 {
		t.Errorf("home: %v (word %s, plain %s, money %s)", got, word, plain, money)
	}
	// The filters are bob's, for their contexts: the thread and alice's
	// reading are untouched.
	if res := bob.API("GET", "/statuses/"+foot, nil); res.Status != 200 {
		t.Errorf("a single status is not a filtered list: %d", res.Status)
	}
	if ids := statusIDs(timeline(t, n, alice.Token, "/timelines/home")); !strings.Contains(ids, foot) {
		t.Errorf("alice's home lost her own post: %s", ids)
	}

	// Edit: drop the keyword, add another; then delete.
	res = api2("PUT", "/filters/"+hide.ID, map[string]any{"keywords_attributes": []map[string]any{
		{"id": hide.Keywords[0].ID, "_destroy": true}, {"keyword": "rien"}}})
	res.JSON(t, &hide)
	if res.Status != 200 || len(hide.Keywords) != 1 || hide.Keywords[0].Keyword != "rien" || !hide.Keywords[0].WholeWord {
		t.Errorf("update: %d %s", res.Status, res.Body)
	}
	ids := statusIDs(timeline(t, n, bob.Token, "/timelines/home"))
	if !strings.Contains(ids, foot) || strings.Contains(ids, plain) {
		t.Errorf("after the edit: %s (foot %s, plain %s)", ids, foot, plain)
	}
	if res := api2("GET", "/filters", nil); res.Status != 200 || strings.Count(string(res.Body), `"title"`) != 2 {
		t.Errorf("list: %d %s", res.Status, res.Body)
	}
	if res := api2("DELETE", "/filters/"+hide.ID, nil); res.Status != 200 {
		t.Errorf("delete: %d", res.Status)
	}
	if res := api2("GET", "/filters/"+hide.ID, nil); res.Status != 404 {
		t.Errorf("GET a deleted filter: %d", res.Status)
	}
	// Another person's filter is not found; bad input is a 422 naming the field.
	if res := n.Do("GET", "/api/v2/filters/"+warn.ID, alice.Token, nil); res.Status != 404 {
		t.Errorf("another's filter: %d", res.Status)
	}
	for _, bad := range []map[string]any{
		{"context": []string{"home"}},
		{"title": "x", "context": []string{}},
		{"title": "x", "context": []string{"everywhere"}},
		{"title": "x", "context": []string{"home"}, "filter_action": "blur"},
		{"title": "x", "context": []string{"home"}, "expires_in": -5},
		{"title": "x", "context": []string{"home"}, "keywords_attributes": []map[string]any{{"keyword": ""}}},
	} {
		if res := api2("POST", "/filters", bad); res.Status != 422 || !strings.Contains(string(res.Body), "field") {
			t.Errorf("%v: %d %s", bad, res.Status, res.Body)
		}
	}
}
