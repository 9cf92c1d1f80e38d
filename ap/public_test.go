package ap

import (
	"testing"

	vocab "github.com/go-ap/activitypub"
)

// "as:Public" and "Public" address the Public collection as the full IRI
// does, at any depth, and nothing else is touched.
func TestUnmarshalExpandsPublic(t *testing.T) {
	raw := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://p.example/a/1","type":"Create",
		"actor":"https://p.example/u/x","to":"as:Public","cc":["https://p.example/u/x/followers"],
		"object":{"id":"https://p.example/n/1","type":"Note","content":"Public","attributedTo":"https://p.example/u/x",
		"to":["Public"],"cc":["https://p.example/u/x/followers","as:Public"]}}`)
	it, err := Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	act, err := vocab.ToActivity(it)
	if err != nil {
		t.Fatal(err)
	}
	if !act.To.Contains(vocab.PublicNS) {
		t.Errorf("activity to: %v", act.To)
	}
	note, err := vocab.ToObject(act.Object)
	if err != nil {
		t.Fatal(err)
	}
	if !note.To.Contains(vocab.PublicNS) || !note.CC.Contains(vocab.PublicNS) || !note.CC.Contains(vocab.IRI("https://p.example/u/x/followers")) {
		t.Errorf("note to %v cc %v", note.To, note.CC)
	}
	if note.Content.String() != "Public" {
		t.Errorf("content changed: %q", note.Content.String())
	}
}
