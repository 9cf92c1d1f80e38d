package client_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/archipel-social/archipel/media/mediatest"
	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// mastojsDir holds masto.js, installed from npm by scripts/test.sh (the
// web/auth tests drive the same copy), and this test's script.
const mastojsDir = "../auth/testdata/mastojs"

// masto.js, a real Mastodon client library, gets through an agent's day
// on a node: posting, notifications v1 (paged by its Link header) and v2,
// a thread's context, favourite and undo, bookmarks, a hashtag timeline,
// search, markers, a photo with its alt text, and a new mention over
// masto.js's WebSocket client.
func TestMastoJSDay(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(mastojsDir + "/node_modules/masto"); err != nil {
		t.Skip("masto.js is not installed: run scripts/test.sh (npm ci in web/auth/testdata/mastojs)")
	}
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	bob.API("POST", "/accounts/"+id(alice.Actor.ID)+"/follow", map[string]any{})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "client_day.mjs")
	cmd.Dir = mastojsDir
	photo := filepath.Join(t.TempDir(), "plan.jpg")
	if err := os.WriteFile(photo, mediatest.JPEGWithGPS(300, 200), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "NODE_URL="+n.URL, "ALICE_TOKEN="+alice.Token, "BOB_TOKEN="+bob.Token,
		"PHOTO="+photo, "EXIF_MARKER="+mediatest.ExifMarker)
	raw, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("masto.js: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var day struct {
		Post struct {
			ID          string
			Tags        []string
			SpoilerText string
			Sensitive   bool
		}
		ReblogWraps          bool
		Pages                [][]string
		Groups               [][2]any
		Unread               int
		Descendants          []string
		ReplyID              string
		FavouritedBeforeUndo bool
		FavouritedAfterUndo  bool
		Bookmarks            []string
		TagTimeline          []string
		Search               []string
		Marker               bool
		UnreadAfterMarker    int
		Media                struct {
			ID, AttachedID, Type, Description, Blurhash string
			Width, Height, ServedBytes                  int
			ServedHasExif                               bool
		}
		StreamingURL string
		Attempts     int
		MentionIDs   []string
		Streamed     struct {
			Event, Type, StatusID string
			Stream                []string
			MS                    int
		}
	}
	if err := json.Unmarshal(raw, &day); err != nil {
		t.Fatalf("masto.js output: %v\n%s", err, raw)
	}
	if !slices.Equal(day.Post.Tags, []string{"urbanisme"}) || day.Post.SpoilerText != "Interne" || !day.Post.Sensitive {
		t.Errorf("post: %+v", day.Post)
	}
	if !day.ReblogWraps {
		t.Errorf("reblog does not answer with the wrapping status")
	}
	var types []string
	for _, p := range day.Pages {
		types = append(types, p...)
	}
	if !slices.Equal(types, []string{"reblog", "favourite", "mention", "follow"}) || len(day.Pages[0]) != 2 {
		t.Errorf("notifications through masto.js's paginator: %v", day.Pages)
	}
	if len(day.Groups) != 4 || day.Unread != 4 {
		t.Errorf("grouped: %v, unread %d", day.Groups, day.Unread)
	}
	if !slices.Equal(day.Descendants, []string{day.ReplyID}) {
		t.Errorf("context: %v", day.Descendants)
	}
	if !day.FavouritedBeforeUndo || day.FavouritedAfterUndo {
		t.Errorf("favourite %v, after undo %v", day.FavouritedBeforeUndo, day.FavouritedAfterUndo)
	}
	if !slices.Equal(day.Bookmarks, []string{day.Post.ID}) || !slices.Equal(day.TagTimeline, []string{day.Post.ID}) ||
		!slices.Equal(day.Search, []string{day.Post.ID}) {
		t.Errorf("bookmarks %v, tag timeline %v, search %v", day.Bookmarks, day.TagTimeline, day.Search)
	}
	if !day.Marker || day.UnreadAfterMarker != 0 {
		t.Errorf("marker %v, unread after it %d", day.Marker, day.UnreadAfterMarker)
	}
	// The photo's EXIF orientation turned it upright (300×200 → 200×300)
	// and its EXIF block, GPS position included, is gone.
	if m := day.Media; m.AttachedID != m.ID || m.Type != "image" || m.Description != "Plan du quartier de la gare" ||
		len(m.Blurhash) < 6 || m.Width != 200 || m.Height != 300 || m.ServedBytes == 0 || m.ServedHasExif {
		t.Errorf("photo through masto.js: %+v", m)
	}
	// The issue's "receive a new mention over the WebSocket stream within
	// a second", through the URL /api/v2/instance gives.
	s := day.Streamed
	if day.StreamingURL != "ws://"+n.Host || s.Event != "notification" || s.Type != "mention" ||
		!slices.Equal(s.Stream, []string{"user:notification"}) || len(day.MentionIDs) == 0 ||
		s.StatusID != day.MentionIDs[len(day.MentionIDs)-1] || s.MS > 1000 {
		t.Errorf("streamed mention: %+v (url %s, posted %v)", s, day.StreamingURL, day.MentionIDs)
	}
	t.Logf("masto.js received the mention over its WebSocket %d ms after the post's answer (attempt %d)", s.MS, day.Attempts)
}

// masto.js gets through the accounts part of the day: account search,
// someone's followers through the Link paginator, a mute, a block and its
// undoing, and following a group, which joins it.
func TestMastoJSAccounts(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(mastojsDir + "/node_modules/masto"); err != nil {
		t.Skip("masto.js is not installed: run scripts/test.sh (npm ci in web/auth/testdata/mastojs)")
	}
	n := testnet.StartNode(t, testnet.Options{})
	alice := n.CreateUser("alice", store.TierState, "")
	bob := n.CreateUser("bob", store.TierState, "")
	carol := n.CreateUser("carol", store.TierState, "")
	dan := n.CreateUser("dan", store.TierState, "")
	for _, u := range []*testnet.User{alice, carol, dan} {
		u.API("POST", "/accounts/"+id(bob.Actor.ID)+"/follow", map[string]any{})
	}
	alice.API("POST", "/accounts/"+id(carol.Actor.ID)+"/follow", map[string]any{})
	carol.API("POST", "/statuses", map[string]any{"status": "Bonjour"})
	bob.API("POST", "/statuses", map[string]any{"status": "Ordre du jour"})
	dan.API("POST", "/groups", map[string]any{"name": "Pilotage", "username": "pilotage"})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "accounts_day.mjs")
	cmd.Dir = mastojsDir
	cmd.Env = append(os.Environ(), "NODE_URL="+n.URL, "ALICE_TOKEN="+alice.Token)
	raw, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("masto.js: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var day struct {
		Search                                          []string
		BobFollowers                                    []string
		Muting                                          bool
		Mutes, HomeWhileMuted, Blocks                   []string
		Blocking, BlockingAfterUnblock                  bool
		GroupIsGroup, GroupFollowing, GroupRelationship bool
	}
	if err := json.Unmarshal(raw, &day); err != nil {
		t.Fatalf("masto.js output: %v\n%s", err, raw)
	}
	if !slices.Equal(day.Search, []string{"carol"}) {
		t.Errorf("account search: %v", day.Search)
	}
	if !slices.Equal(day.BobFollowers, []string{"dan", "carol", "alice"}) {
		t.Errorf("followers through the paginator: %v", day.BobFollowers)
	}
	if !day.Muting || !slices.Equal(day.Mutes, []string{"carol"}) || !slices.Equal(day.HomeWhileMuted, []string{"bob"}) {
		t.Errorf("mute: %v, mutes %v, home %v", day.Muting, day.Mutes, day.HomeWhileMuted)
	}
	if !day.Blocking || !slices.Equal(day.Blocks, []string{"bob"}) || day.BlockingAfterUnblock {
		t.Errorf("block %v, blocks %v, after unblock %v", day.Blocking, day.Blocks, day.BlockingAfterUnblock)
	}
	if !day.GroupIsGroup || !day.GroupFollowing || !day.GroupRelationship {
		t.Errorf("group: is %v, following %v, relationship %v", day.GroupIsGroup, day.GroupFollowing, day.GroupRelationship)
	}
}
