package ap

import (
	"encoding/json"
	"reflect"
	"testing"

	vocab "github.com/go-ap/activitypub"
)

// A document written by Embedded then WithContext is the one Marshal
// writes.
func TestWithContextIsMarshal(t *testing.T) {
	note := vocab.ObjectNew(vocab.NoteType)
	note.ID = "https://a.example/users/alice/statuses/1"
	note.Content = vocab.DefaultNaturalLanguageValue("<p>Bonjour</p>")
	extras := map[string]any{"sensitive": true, "tag": []tag{{Type: "Hashtag", Href: "https://a.example/tags/x", Name: "#x"}}}
	whole, err := Marshal(note, extras)
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := Embedded(note, extras)
	if err != nil {
		t.Fatal(err)
	}
	spliced, err := WithContext(embedded)
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	if json.Unmarshal(whole, &a) != nil || json.Unmarshal(spliced, &b) != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("WithContext(Embedded) = %s\nMarshal = %s", spliced, whole)
	}
	for _, bad := range []string{``, `[]`, `"x"`, `{`} {
		if _, err := WithContext(json.RawMessage(bad)); err == nil {
			t.Errorf("WithContext(%q) succeeded", bad)
		}
	}
	var empty map[string]any
	if got, err := WithContext(json.RawMessage(` { } `)); err != nil || json.Unmarshal(got, &empty) != nil || len(empty) != 1 {
		t.Errorf("WithContext of an empty object: %s %v", got, err)
	}
}
