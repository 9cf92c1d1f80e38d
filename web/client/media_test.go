package client_test

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/media/mediatest"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type mediaEntity struct {
	ID          string
	Type        string
	URL         string
	PreviewURL  *string `json:"preview_url"`
	RemoteURL   *string `json:"remote_url"`
	Description *string
	Blurhash    *string
	Meta        struct {
		Original, Small *struct {
			Width, Height int
			Size          string
			Aspect        float64
		}
		Focus *struct{ X, Y float64 }
	}
}

// storedFiles counts the files in a node's storage folder (uploads in
// progress aside).
func storedFiles(t *testing.T, n *testnet.Node) int {
	t.Helper()
	root := filepath.Join(n.Config.DataDir, "files")
	count := 0
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			count++
		}
		return nil
	})
	return count
}

func mediaRows(t *testing.T, n *testnet.Node) int {
	t.Helper()
	var count int
	if err := n.Pool.QueryRow(context.Background(), `select count(*) from media_attachments`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	return count
}

func uploadMedia(t *testing.T, u *testnet.User, version string, data []byte, fields map[string]string) (mediaEntity, *testnet.Response) {
	t.Helper()
	res := u.Multipart("POST", "/api/"+version+"/media", map[string][]byte{"file": data}, "photo.jpg", fields)
	var m mediaEntity
	if res.Status == 200 {
		res.JSON(t, &m)
	}
	return m, res
}

// fetchPicture loads a picture URL of the node and decodes it.
func fetchPicture(t *testing.T, rawURL string) ([]byte, image.Config, string) {
	t.Helper()
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", rawURL, resp.StatusCode, buf.Bytes())
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("GET %s: not a picture: %v", rawURL, err)
	}
	return buf.Bytes(), cfg, resp.Header.Get("Content-Type")
}

// An upload through /api/v2/media comes back as Mastodon's
// MediaAttachment: alt text, focus, blurhash, sizes; its file lost its
// EXIF block (and the GPS position in it) and was turned upright.
func TestMediaUpload(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	m, res := uploadMedia(t, alice, "v2", mediatest.JPEGWithGPS(1200, 600), map[string]string{"description": "Le pont de pierre", "focus": "0.5,-0.25"})
	if res.Status != 200 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	if m.Type != "image" || m.Description == nil || *m.Description != "Le pont de pierre" || m.Blurhash == nil || len(*m.Blurhash) < 6 ||
		m.RemoteURL != nil || m.PreviewURL == nil || !strings.HasPrefix(m.URL, n.URL+"/media/") {
		t.Errorf("entity: %s", res.Body)
	}
	if o := m.Meta.Original; o == nil || o.Width != 600 || o.Height != 1200 || o.Size != "600x1200" || o.Aspect != 0.5 {
		t.Errorf("meta.original (the EXIF orientation turns 1200×600 upright): %+v", o)
	}
	if s := m.Meta.Small; s == nil || s.Width != 320 || s.Height != 640 {
		t.Errorf("meta.small: %+v", s)
	}
	if f := m.Meta.Focus; f == nil || f.X != 0.5 || f.Y != -0.25 {
		t.Errorf("meta.focus: %+v", f)
	}
	body, cfg, ct := fetchPicture(t, m.URL)
	if ct != "image/jpeg" || cfg.Width != 600 || cfg.Height != 1200 {
		t.Errorf("original: %s %d×%d", ct, cfg.Width, cfg.Height)
	}
	if bytes.Contains(body, []byte("Exif")) || bytes.Contains(body, []byte(mediatest.ExifMarker)) {
		t.Error("the served file keeps its EXIF block")
	}
	if _, cfg, _ := fetchPicture(t, *m.PreviewURL); cfg.Width != 320 {
		t.Errorf("preview width %d", cfg.Width)
	}

	// v1 answers the same way; GET and PUT are the owner's.
	if _, res := uploadMedia(t, alice, "v1", mediatest.PNG(20, 10), nil); res.Status != 200 {
		t.Errorf("v1 upload: %d %s", res.Status, res.Body)
	}
	var got mediaEntity
	alice.API("GET", "/media/"+m.ID, nil).JSON(t, &got)
	if got.ID != m.ID || got.URL != m.URL {
		t.Errorf("GET: %+v", got)
	}
	alice.API("PUT", "/media/"+m.ID, map[string]any{"description": "Le pont de pierre, à l'aube", "focus": "0,0"}).JSON(t, &got)
	if got.Description == nil || *got.Description != "Le pont de pierre, à l'aube" || got.Meta.Focus.X != 0 {
		t.Errorf("PUT: %+v", got)
	}
	for _, res := range []*testnet.Response{
		bob.API("GET", "/media/"+m.ID, nil),
		bob.API("PUT", "/media/"+m.ID, map[string]any{"description": "volé"}),
		alice.API("GET", "/media/999999", nil),
		alice.API("GET", "/media/abc", nil),
	} {
		if res.Status != 404 || !strings.Contains(string(res.Body), `"error"`) {
			t.Errorf("someone else's or no media: %d %s", res.Status, res.Body)
		}
	}
	for _, body := range []map[string]any{{"description": strings.Repeat("é", 1501)}, {"focus": "2,0"}, {"focus": "x"}} {
		if res := alice.API("PUT", "/media/"+m.ID, body); res.Status != 422 {
			t.Errorf("PUT %v: %d %s", body, res.Status, res.Body)
		}
	}
	var inst struct {
		Configuration struct {
			MediaAttachments struct {
				SupportedMimeTypes []string `json:"supported_mime_types"`
				ImageSizeLimit     int64    `json:"image_size_limit"`
				ImageMatrixLimit   int64    `json:"image_matrix_limit"`
				DescriptionLimit   int      `json:"description_limit"`
			} `json:"media_attachments"`
		}
	}
	n.Do("GET", "/api/v1/instance", "", nil).JSON(t, &inst)
	if c := inst.Configuration.MediaAttachments; len(c.SupportedMimeTypes) != 4 || c.ImageSizeLimit != 16<<20 || c.ImageMatrixLimit != 4096*4096 || c.DescriptionLimit != 1500 {
		t.Errorf("instance configuration: %+v", c)
	}
	if _, _, ct := fetchPicture(t, n.URL+"/media/default/avatar.png"); ct != "image/png" {
		t.Errorf("default avatar: %s", ct)
	}
}

// Every bad upload is a 4xx JSON error and leaves no row and no file.
func TestMediaUploadRefused(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{MediaMaxBytes: 200 << 10})
	alice := n.CreateUser("alice", store.TierState, "")
	jpg := mediatest.JPEGWithGPS(64, 64)
	big := mediatest.PNG(600, 600) // ~ 300 kB of gradient stripes
	if len(big) <= 200<<10 {
		big = append(big, make([]byte, 200<<10)...)
	}
	for _, c := range []struct {
		name   string
		data   []byte
		fields map[string]string
		want   int
	}{
		{"unknown type", []byte("#!/bin/sh\necho not a picture\n"), nil, 422},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), nil, 422},
		{"over the size", big, nil, 413},
		{"decompression bomb", mediatest.Bomb(60000, 60000), nil, 422},
		{"truncated", jpg[:len(jpg)*2/3], nil, 422},
		{"broken", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 100)...), nil, 422},
		{"alt text too long", jpg, map[string]string{"description": strings.Repeat("a", 1501)}, 422},
		{"bad focus", jpg, map[string]string{"focus": "0.5"}, 422},
	} {
		_, res := uploadMedia(t, alice, "v2", c.data, c.fields)
		if res.Status != c.want || !strings.Contains(string(res.Body), `"error"`) {
			t.Errorf("%s: %d %s, want %d", c.name, res.Status, res.Body, c.want)
		}
	}
	if res := alice.Multipart("POST", "/api/v2/media", nil, "", map[string]string{"description": "sans fichier"}); res.Status != 422 {
		t.Errorf("no file: %d %s", res.Status, res.Body)
	}
	if res := n.Do("POST", "/api/v2/media", alice.Token, map[string]string{"file": "x"}); res.Status != 400 {
		t.Errorf("JSON instead of multipart: %d %s", res.Status, res.Body)
	}
	if res := n.Do("POST", "/api/v2/media", "", []byte("x"), "Content-Type", "multipart/form-data; boundary=x"); res.Status != 401 {
		t.Errorf("without a token: %d", res.Status)
	}
	if rows, files := mediaRows(t, n), storedFiles(t, n); rows != 0 || files != 0 {
		t.Errorf("refused uploads left %d rows and %d files", rows, files)
	}
}

// Pictures attach to one's own posts (at most 4, each once), show in the
// Status entity and the note's attachment, and the uploads never attached
// are cleaned a day later.
func TestMediaAttach(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	var ids []string
	for i := 0; i < 5; i++ {
		m, res := uploadMedia(t, alice, "v2", mediatest.PNG(30+i, 20), map[string]string{"description": "image " + string(rune('A'+i))})
		if res.Status != 200 {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
		ids = append(ids, m.ID)
	}
	bobs, _ := uploadMedia(t, bob, "v2", mediatest.PNG(10, 10), nil)
	for name, body := range map[string]map[string]any{
		"five":           {"status": "trop", "media_ids": ids},
		"someone else's": {"status": "pas à moi", "media_ids": []string{bobs.ID}},
		"twice":          {"status": "deux fois", "media_ids": []string{ids[0], ids[0]}},
		"unknown":        {"status": "?", "media_ids": []string{"12345678"}},
		"not an id":      {"status": "?", "media_ids": []string{"abc"}},
	} {
		if res := alice.API("POST", "/statuses", body); res.Status != 422 {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	var st struct {
		ID               string
		URI              string
		MediaAttachments []mediaEntity `json:"media_attachments"`
	}
	alice.API("POST", "/statuses", map[string]any{"media_ids": ids[:2]}).JSON(t, &st)
	if len(st.MediaAttachments) != 2 || st.MediaAttachments[0].ID != ids[0] || *st.MediaAttachments[1].Description != "image B" {
		t.Fatalf("status without text, with two pictures: %+v", st)
	}
	if res := alice.API("POST", "/statuses", map[string]any{"status": "déjà pris", "media_ids": []string{ids[0]}}); res.Status != 422 {
		t.Errorf("a picture of another post: %d %s", res.Status, res.Body)
	}
	doc := n.Do("GET", strings.TrimPrefix(st.URI, n.URL), "", nil, "Accept", "application/activity+json")
	want := `{"type":"Image","mediaType":"image/png","url":"` + st.MediaAttachments[0].URL + `","name":"image A","blurhash":"` +
		*st.MediaAttachments[0].Blurhash + `","width":30,"height":20,"focalPoint":[0,0]}`
	if !strings.Contains(string(doc.Body), want) {
		t.Errorf("note document lacks %s:\n%s", want, doc.Body)
	}
	// An edit replaces the pictures: the first goes, the third comes.
	alice.API("PUT", "/statuses/"+st.ID, map[string]any{"status": "avec légende", "media_ids": []string{ids[2], ids[1]}}).JSON(t, &st)
	if len(st.MediaAttachments) != 2 || st.MediaAttachments[0].ID != ids[2] {
		t.Errorf("edited: %+v", st.MediaAttachments)
	}
	if got := timeline(t, n, "", "/timelines/public?only_media=true"); len(got) != 1 || got[0].ID != st.ID {
		t.Errorf("only_media: %s", statusIDs(got))
	}

	// A day later, the uploads still unattached (ids 0, 3, 4 and bob's) go,
	// rows and files; the attached ones stay.
	before := storedFiles(t, n)
	if _, err := n.Pool.Exec(context.Background(), `update media_attachments set created_at = now() - interval '25 hours'`); err != nil {
		t.Fatal(err)
	}
	if err := n.Outbox.CleanMedia(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if rows := mediaRows(t, n); rows != 2 {
		t.Errorf("%d rows after cleaning, want the 2 attached", rows)
	}
	if after := storedFiles(t, n); after >= before || after == 0 {
		t.Errorf("files: %d before cleaning, %d after", before, after)
	}
	if res := alice.API("GET", "/media/"+ids[0], nil); res.Status != 404 {
		t.Errorf("cleaned upload: %d", res.Status)
	}
	for _, m := range st.MediaAttachments {
		fetchPicture(t, m.URL)
	}
}

// Between two nodes: a picture posted on alice's node shows on bob's with
// its alt text, blurhash and size; bob's node serves it (fetched from
// alice's node on the first request, re-encoded, with its thumbnail), and
// an edit of the alt text travels too.
func TestMediaAcrossNodes(t *testing.T) {
	_, b, alice, bob := aliceFollowedAcrossNodes(t)
	m, res := uploadMedia(t, alice, "v2", mediatest.JPEGWithGPS(800, 400), map[string]string{"description": "La halle du marché", "focus": "-0.5,0.5"})
	if res.Status != 200 {
		t.Fatalf("upload: %d %s", res.Status, res.Body)
	}
	var posted fullStatus
	alice.API("POST", "/statuses", map[string]any{"status": "Le marché rénové", "media_ids": []string{m.ID}}).JSON(t, &posted)
	var home []struct {
		ID               string
		MediaAttachments []mediaEntity `json:"media_attachments"`
	}
	testnet.Eventually(t, federationWait, "the post reaches bob's node", func() bool {
		bob.API("GET", "/timelines/home", nil).JSON(t, &home)
		return len(home) == 1
	})
	if len(home[0].MediaAttachments) != 1 {
		t.Fatalf("attachments on bob's node: %+v", home[0])
	}
	got := home[0].MediaAttachments[0]
	if got.Type != "image" || got.Description == nil || *got.Description != "La halle du marché" || got.Blurhash == nil ||
		*got.Blurhash != *m.Blurhash || got.RemoteURL == nil || *got.RemoteURL != m.URL {
		t.Errorf("remote attachment: %+v (alice's: %+v)", got, m)
	}
	if o := got.Meta.Original; o == nil || o.Width != 400 || o.Height != 800 {
		t.Errorf("remote size: %+v", o)
	}
	if f := got.Meta.Focus; f == nil || f.X != -0.5 || f.Y != 0.5 {
		t.Errorf("remote focus: %+v", f)
	}
	if !strings.HasPrefix(got.URL, b.URL+"/media/") || got.PreviewURL == nil || !strings.HasPrefix(*got.PreviewURL, b.URL+"/media/") {
		t.Fatalf("bob's node serves the picture itself: %s %v", got.URL, got.PreviewURL)
	}
	if _, cfg, _ := fetchPicture(t, *got.PreviewURL); cfg.Width != 320 || cfg.Height != 640 {
		t.Errorf("preview on bob's node: %d×%d", cfg.Width, cfg.Height)
	}
	if body, cfg, _ := fetchPicture(t, got.URL); cfg.Width != 400 || bytes.Contains(body, []byte(mediatest.ExifMarker)) {
		t.Errorf("original on bob's node: %d×%d", cfg.Width, cfg.Height)
	}

	alice.API("PUT", "/media/"+m.ID, map[string]any{"description": "La halle du marché, côté nord"})
	alice.API("PUT", "/statuses/"+posted.ID, map[string]any{"status": "Le marché rénové", "media_ids": []string{m.ID}})
	testnet.Eventually(t, federationWait, "the new alt text reaches bob's node", func() bool {
		bob.API("GET", "/timelines/home", nil).JSON(t, &home)
		d := home[0].MediaAttachments[0].Description
		return d != nil && *d == "La halle du marché, côté nord"
	})
	if home[0].MediaAttachments[0].ID != got.ID {
		t.Errorf("the edit made a new row on bob's node: %s, was %s", home[0].MediaAttachments[0].ID, got.ID)
	}
}

// An avatar and a header come through update_credentials (multipart, with
// text fields), cropped and scaled to 400×400 and 1500×500 without their
// EXIF block, and federate as the actor's icon and image; people without
// one show the default pictures, never "".
func TestAvatarAndHeader(t *testing.T) {
	a, b, alice, bob := aliceFollowedAcrossNodes(t)
	var me struct {
		DisplayName          string `json:"display_name"`
		Avatar, AvatarStatic string
		Header               string
		AvatarStaticJSON     string `json:"avatar_static"`
		HeaderStaticJSON     string `json:"header_static"`
	}
	alice.API("GET", "/accounts/verify_credentials", nil).JSON(t, &me)
	if me.Avatar != a.URL+"/media/default/avatar.png" || me.Header != a.URL+"/media/default/header.png" || me.AvatarStaticJSON != me.Avatar {
		t.Errorf("defaults: %+v", me)
	}
	res := alice.Multipart("PATCH", "/api/v1/accounts/update_credentials", map[string][]byte{"avatar": mediatest.Bomb(50000, 50000)}, "a.png",
		map[string]string{"display_name": "Alice refusée"})
	if res.Status != 422 {
		t.Errorf("bomb as avatar: %d %s", res.Status, res.Body)
	}
	res = alice.Multipart("PATCH", "/api/v1/accounts/update_credentials",
		map[string][]byte{"avatar": mediatest.JPEGWithGPS(900, 600), "header": mediatest.PNG(3000, 1500)}, "a.jpg",
		map[string]string{"display_name": "Alice Martin"})
	if res.Status != 200 {
		t.Fatalf("update_credentials: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &me)
	if me.DisplayName != "Alice Martin" || !strings.HasPrefix(me.Avatar, a.URL+"/media/") || !strings.HasPrefix(me.Header, a.URL+"/media/") ||
		me.HeaderStaticJSON != me.Header {
		t.Fatalf("after update: %+v", me)
	}
	body, cfg, _ := fetchPicture(t, me.Avatar)
	if cfg.Width != 400 || cfg.Height != 400 || bytes.Contains(body, []byte(mediatest.ExifMarker)) {
		t.Errorf("avatar: %d×%d", cfg.Width, cfg.Height)
	}
	if _, cfg, _ := fetchPicture(t, me.Header); cfg.Width != 1500 || cfg.Height != 500 {
		t.Errorf("header: %d×%d", cfg.Width, cfg.Height)
	}
	doc := a.Do("GET", "/users/alice", "", nil, "Accept", "application/activity+json")
	if !strings.Contains(string(doc.Body), `"icon":{"type":"Image","mediaType":"image/jpeg","url":"`+me.Avatar+`"}`) ||
		!strings.Contains(string(doc.Body), `"image":{"type":"Image","mediaType":"image/jpeg","url":"`+me.Header+`"}`) {
		t.Errorf("actor document: %s", doc.Body)
	}
	// A second avatar replaces the first, whose file goes.
	first := me.Avatar
	alice.Multipart("PATCH", "/api/v1/accounts/update_credentials", map[string][]byte{"avatar": mediatest.PNG(500, 500)}, "b.png", nil).JSON(t, &me)
	if me.Avatar == first {
		t.Errorf("avatar not replaced")
	}
	if resp, err := http.Get(first); err != nil || resp.StatusCode != 404 {
		t.Errorf("the replaced avatar is still served")
	}

	var remote struct{ Avatar, Header string }
	testnet.Eventually(t, federationWait, "bob's node has alice's new avatar", func() bool {
		bob.API("GET", "/accounts/lookup?acct=alice@"+a.Host, nil).JSON(t, &remote)
		return remote.Avatar == me.Avatar
	})
	if remote.Header != me.Header {
		t.Errorf("remote header: %s", remote.Header)
	}
	var bobs struct{ Avatar string }
	bob.API("GET", "/accounts/verify_credentials", nil).JSON(t, &bobs)
	if bobs.Avatar != b.URL+"/media/default/avatar.png" {
		t.Errorf("bob's default avatar: %q", bobs.Avatar)
	}
}
