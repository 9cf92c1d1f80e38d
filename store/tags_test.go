package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
)

func TestNormaliseTag(t *testing.T) {
	for in, want := range map[string]string{
		"#Urbanisme": "urbanisme", "urbanisme": "urbanisme", " #ÉTÉ ": "été", "#marchés_publics": "marchés_publics",
		"#2026": "", "#": "", "": "", "#a b": "", "#a-b": "", "##x": "", "#<b>": "", "#x\x00": "",
		"#" + strings.Repeat("a", 101): "", "#" + strings.Repeat("a", 100): strings.Repeat("a", 100),
	} {
		if got := store.NormaliseTag(in); got != want {
			t.Errorf("NormaliseTag(%q) = %q, want %q", in, got, want)
		}
	}
}

// A post's hashtags are replaced, normalised, once each, and read back for
// a page of posts at once.
func TestObjectTags(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	author, err := s.UpsertRemoteActor(ctx, remote("https://gts.example/users/a", store.TypePerson, "a"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, uri := range []string{"https://gts.example/users/a/statuses/1", "https://gts.example/users/a/statuses/2"} {
		o := &store.Object{URI: uri, Type: "Note", AttributedTo: author.ID, Visibility: store.ObjPublic}
		if _, err := s.CreateObject(ctx, o); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	if err := s.SetObjectTags(ctx, ids[0], []string{"#Urbanisme", "urbanisme", "#2026", "#Mobilité"}); err != nil {
		t.Fatal(err)
	}
	if tags, err := s.ObjectTags(ctx, ids[0]); err != nil || !reflect.DeepEqual(tags, []string{"mobilité", "urbanisme"}) {
		t.Errorf("tags: %v %v", tags, err)
	}
	if err := s.SetObjectTags(ctx, ids[0], []string{"#urbanisme", "#Vélo"}); err != nil {
		t.Fatal(err)
	}
	many := make([]string, 0, 40)
	for i := range 40 {
		many = append(many, "#t"+strings.Repeat("x", i+1))
	}
	if err := s.SetObjectTags(ctx, ids[1], many); err != nil {
		t.Fatal(err)
	}
	all, err := s.ObjectTagsOf(ctx, ids)
	if err != nil || !reflect.DeepEqual(all[ids[0]], []string{"urbanisme", "vélo"}) || len(all[ids[1]]) != store.MaxTagsPerObject {
		t.Errorf("tags of a page: %v %v", all, err)
	}
	if err := s.SetObjectTags(ctx, ids[0], nil); err != nil {
		t.Fatal(err)
	}
	if tags, err := s.ObjectTags(ctx, ids[0]); err != nil || len(tags) != 0 {
		t.Errorf("tags after clearing: %v %v", tags, err)
	}
}
