package inbox_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/media/mediatest"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// A peer's attachments are fetched when first asked for, and what is no
// picture, a bomb or a file over the limit is refused there (422) and
// leaves no file; a good photo is kept re-encoded, without its EXIF block.
func TestRemoteAttachmentsFetched(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{MediaMaxBytes: 100 << 10})
	bob := n.CreateUser("bob", store.TierState, "")
	mallory := testnet.NewRemoteActor(t, "mallory")
	big := append(mediatest.PNG(50, 50), make([]byte, 120<<10)...) // a picture, and padding past the limit
	files := map[string][]byte{
		"/files/photo.jpg": mediatest.JPEGWithGPS(1000, 700),
		"/files/bomb.png":  mediatest.Bomb(80000, 80000),
		"/files/page.png":  []byte("<html><script>alert(1)</script></html>"),
		"/files/big.png":   big,
	}
	var attachments []map[string]any
	for _, path := range []string{"/files/photo.jpg", "/files/bomb.png", "/files/page.png", "/files/big.png"} {
		mallory.Serve(path, files[path])
		attachments = append(attachments, map[string]any{"type": "Document", "mediaType": "image/png", "url": mallory.URL(path),
			"name": "alt of " + path, "width": 120, "height": 80})
	}
	id := mallory.NewID("activities")
	noteID := mallory.URL("/users/mallory/statuses/9")
	body := mustJSON(t, map[string]any{
		"id": id, "type": "Create", "actor": mallory.URI, "to": []string{publicNS, bob.Actor.URI},
		"object": map[string]any{"id": noteID, "type": "Note", "attributedTo": mallory.URI,
			"content": "<p>@bob quatre fichiers</p>", "to": []string{publicNS, bob.Actor.URI}, "attachment": attachments},
	})
	expectStatus(t, mallory.Post(t, n.URL+"/inbox", body), http.StatusAccepted)
	if reason := processed(t, n.Node, id); reason != "" {
		t.Fatalf("note refused: %s", reason)
	}
	obj, err := n.Store.ObjectByURI(context.Background(), noteID)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		MediaAttachments []struct {
			URL         string
			PreviewURL  string `json:"preview_url"`
			RemoteURL   string `json:"remote_url"`
			Description string
		} `json:"media_attachments"`
	}
	bob.API("GET", "/statuses/"+strconv.FormatInt(obj.ID, 10), nil).JSON(t, &st)
	if len(st.MediaAttachments) != 4 {
		t.Fatalf("attachments: %+v", st.MediaAttachments)
	}
	get := func(u string) (int, []byte) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for i, a := range st.MediaAttachments {
		if !strings.HasPrefix(a.URL, n.URL+"/media/") || a.Description != "alt of "+strings.TrimPrefix(a.RemoteURL, mallory.URL("")) {
			t.Errorf("attachment %d: %+v", i, a)
		}
		status, b := get(a.URL)
		switch {
		case i == 0 && (status != 200 || bytes.Contains(b, []byte(mediatest.ExifMarker))):
			t.Errorf("photo: %d, EXIF kept: %v", status, bytes.Contains(b, []byte(mediatest.ExifMarker)))
		case i > 0 && (status != 422 || !bytes.Contains(b, []byte(`"error"`))):
			t.Errorf("%s: %d %s", a.RemoteURL, status, b)
		}
	}
	if status, _ := get(st.MediaAttachments[0].PreviewURL); status != 200 {
		t.Errorf("photo preview: %d", status)
	}
	// Only the photo's original and thumbnail are stored.
	count := 0
	_ = filepath.WalkDir(filepath.Join(n.Config.DataDir, "files"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			count++
		}
		return nil
	})
	if count != 2 {
		t.Errorf("%d files stored, want the photo's 2", count)
	}
	if got := len(mallory.RequestsTo("GET", "/files/photo.jpg")); got != 1 {
		t.Errorf("the photo was fetched %d times, want once", got)
	}
}
