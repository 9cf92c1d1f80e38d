package ap_test

import (
	"strings"
	"testing"

	"github.com/archipel-social/archipel/ap"
)

// Peers' attachments as Mastodon and GoToSocial write them are read; what
// is not a file with an http(s) URL is skipped, alt text is plain text
// within the limit, and odd numbers are bounded.
func TestNoteAttachments(t *testing.T) {
	raw := `{"type":"Note","attachment":[
	  {"type":"Document","mediaType":"image/jpeg","url":"https://m.example/files/a.jpg","name":"<b>Vue</b> du port",
	   "blurhash":"UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}","focalPoint":[-0.27,5],"width":640,"height":480},
	  {"type":"Image","url":[{"type":"Link","href":"https://g.example/a.png","mediaType":"image/png"}],"name":"` + strings.Repeat("x", 50) + `"},
	  {"type":"PropertyValue","name":"Site","value":"https://x"},
	  {"type":"Document","mediaType":"image/png","url":"javascript:alert(1)"},
	  {"type":"Video","mediaType":"video/mp4","url":"https://m.example/v.mp4","width":1e12,"blurhash":"<script>"},
	  {"type":"Image","mediaType":"image/png","url":"https://m.example/5.png"},
	  {"type":"Image","mediaType":"image/png","url":"https://m.example/6.png"}
	]}`
	list := ap.NoteAttachments([]byte(raw), 20)
	if len(list) != 4 {
		t.Fatalf("%d attachments, want 4 (the first four files)", len(list))
	}
	a := list[0]
	if a.Type != "image" || a.MediaType != "image/jpeg" || a.RemoteURL != "https://m.example/files/a.jpg" || a.Description != "Vue du port" ||
		a.Blurhash != "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}" || a.FocusX != -0.27 || a.FocusY != 1 || a.Width != 640 || a.Height != 480 {
		t.Errorf("Mastodon's: %+v", a)
	}
	if b := list[1]; b.Type != "image" || b.MediaType != "image/png" || b.RemoteURL != "https://g.example/a.png" || len(b.Description) != 20 {
		t.Errorf("a Link url: %+v", b)
	}
	if v := list[2]; v.Type != "video" || v.Width != 0 || v.Blurhash != "" {
		t.Errorf("video: %+v", v)
	}
}
