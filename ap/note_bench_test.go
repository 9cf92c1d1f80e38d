package ap

import (
	"strconv"
	"testing"
	"time"

	"github.com/archipel-social/archipel/store"
)

// BenchmarkNoteDocument is the CPU cost of writing a post's document as it
// is delivered and served: go-ap's marshalling, then the extension fields
// (tags, sensitive) spliced in, then the Create around it.
func BenchmarkNoteDocument(b *testing.B) {
	l := NewLinks("https://a.example")
	author := &store.Actor{ID: 1, URI: l.Person("alice"), Username: "alice", Host: "a.example", Followers: l.Followers(l.Person("alice"))}
	o := &store.Object{ID: 7, URI: l.Note("alice", 7), URL: l.Note("alice", 7), Type: "Note", Visibility: store.ObjPublic,
		Content: "<p>Compte rendu du comité de pilotage, avec les décisions et le calendrier.</p>", Published: time.Now()}
	n := store.NoteRows{Object: o, Author: author, Tags: []string{"urbanisme", "mobilite"}}
	for i := range 3 {
		name := "bob" + strconv.Itoa(i)
		n.Mentions = append(n.Mentions, &store.Actor{URI: "https://b.example/users/" + name, Username: name, Host: "b.example"})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, doc, err := l.CreateDocument(n); err != nil {
			b.Fatal(err)
		} else if _, err := WithContext(doc); err != nil {
			b.Fatal(err)
		}
	}
}
