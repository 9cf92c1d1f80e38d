package outbox

import "testing"

func TestCreatedPost(t *testing.T) {
	const post = "https://a.example/users/alice/statuses/1"
	for _, tt := range []struct {
		name, activity, want string
	}{
		{"embedded note", `{"type":"Create","object":{"id":"` + post + `","type":"Note","content":"x"}}`, `{"id":"` + post + `","type":"Note","content":"x"}`},
		{"Lemmy page", `{"type":"Create","object":{"id":"` + post + `","type":"Page"}}`, `{"id":"` + post + `","type":"Page"}`},
		{"named by id", `{"type":"Create","object":"` + post + `"}`, `"` + post + `"`},
		{"another post's id", `{"type":"Create","object":"https://a.example/users/alice/statuses/2"}`, ``},
		{"an embedded object with another id", `{"type":"Create","object":{"id":"https://evil.example/1","type":"Note"}}`, ``},
		{"a document", `{"type":"Create","object":{"id":"` + post + `","type":"Document"}}`, ``},
		{"an edit", `{"type":"Update","object":{"id":"` + post + `","type":"Note"}}`, ``},
		{"a like", `{"type":"Like","object":"` + post + `"}`, ``},
		{"not JSON", `{"type":`, ``},
	} {
		if got := string(createdPost([]byte(tt.activity), post)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
