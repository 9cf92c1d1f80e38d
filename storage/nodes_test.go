package storage_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

type document struct {
	ID, Name, SHA256 string
	Size             int64
}

// pdfOf is a file the nodes accept as a PDF, of size bytes.
func pdfOf(size int, seed uint64) []byte {
	b := randomBytes(size, seed)
	copy(b, "%PDF-1.7\n")
	return b
}

func findDocument(t *testing.T, u *testnet.User, groupID, name string) *document {
	var docs []document
	u.API("GET", "/groups/"+groupID+"/documents", nil).JSON(t, &docs)
	for i := range docs {
		if docs[i].Name == name {
			return &docs[i]
		}
	}
	return nil
}

// Two nodes keep their files in buckets: a document uploaded on the group's
// node is fetched by the member's node into its own bucket, served there
// with ranges read from the bucket, and the other way round; neither node
// writes a file to its disk.
func TestDocumentsBetweenNodesOnS3(t *testing.T) {
	const wait = 30 * time.Second
	srv := testnet.StartS3(t)
	a := testnet.StartNode(t, testnet.Options{S3: srv})
	bucketB := srv.NewBucket(t)
	meteredB, sentB := srv.Metered(t, bucketB)
	b := testnet.StartNode(t, testnet.Options{S3: srv, StorageURL: meteredB})
	alice := a.CreateUser("alice", store.TierState, "")
	bob := b.CreateUser("bob", store.TierState, "")

	var g, gB struct{ ID, Acct, Membership string }
	if res := alice.API("POST", "/groups", map[string]any{"name": "Urbanisme", "visibility": "private", "join_policy": "open"}); res.Status != 200 {
		t.Fatalf("create group: %d %s", res.Status, res.Body)
	} else {
		res.JSON(t, &g)
	}
	if res := bob.API("POST", "/groups/join", map[string]string{"acct": g.Acct}); res.Status != 200 {
		t.Fatalf("join: %d %s", res.Status, res.Body)
	} else {
		res.JSON(t, &gB)
	}
	testnet.Eventually(t, wait, "bob is a member", func() bool {
		bob.API("GET", "/groups/"+gB.ID, nil).JSON(t, &gB)
		return gB.Membership == store.StateAccepted
	})

	plan := pdfOf(6<<20, 11)
	if res := alice.Upload("/groups/"+g.ID+"/documents", "plan-local.pdf", plan, nil); res.Status != 200 {
		t.Fatalf("upload on A: %d %s", res.Status, res.Body)
	}
	if keys := srv.Objects(t, a.Bucket.Name); len(keys) != 1 || !strings.HasSuffix(keys[0], digest(plan)) {
		t.Fatalf("A's bucket holds %v", keys)
	}
	var onB *document
	testnet.Eventually(t, wait, "the document on B", func() bool {
		onB = findDocument(t, bob, gB.ID, "plan-local.pdf")
		return onB != nil
	})
	if res := bob.API("GET", "/documents/"+onB.ID+"/file", nil); res.Status != 200 || !bytes.Equal(res.Body, plan) {
		t.Fatalf("download on B: %d, %d bytes", res.Status, len(res.Body))
	}
	if keys := srv.Objects(t, bucketB.Name); !slices.ContainsFunc(keys, func(k string) bool { return strings.HasSuffix(k, digest(plan)) }) {
		t.Fatalf("B's bucket holds %v after the first download", keys)
	}
	sentB.Store(0)
	res := b.Do("GET", "/api/v1/documents/"+onB.ID+"/file", bob.Token, nil, "Range", "bytes=3000000-3000999")
	if res.Status != 206 || !bytes.Equal(res.Body, plan[3000000:3001000]) {
		t.Fatalf("range on B: %d, %d bytes", res.Status, len(res.Body))
	}
	if n := sentB.Load(); n > 2*1000+512 {
		t.Errorf("a range of 1000 bytes read %d bytes from the bucket", n)
	}

	notes := pdfOf(2<<20, 12)
	if res := bob.Upload("/groups/"+gB.ID+"/documents", "compte-rendu.pdf", notes, nil); res.Status != 200 {
		t.Fatalf("upload on B: %d %s", res.Status, res.Body)
	}
	var onA *document
	testnet.Eventually(t, wait, "bob's document on A", func() bool {
		onA = findDocument(t, alice, g.ID, "compte-rendu.pdf")
		return onA != nil
	})
	if res := alice.API("GET", "/documents/"+onA.ID+"/file", nil); res.Status != 200 || !bytes.Equal(res.Body, notes) {
		t.Fatalf("download on A: %d, %d bytes", res.Status, len(res.Body))
	}
	if keys := srv.Objects(t, a.Bucket.Name); len(keys) != 2 {
		t.Errorf("A's bucket holds %v, want both files", keys)
	}
	for _, n := range []*testnet.Node{a, b} {
		if _, err := os.Stat(filepath.Join(n.Config.DataDir, "files")); !os.IsNotExist(err) {
			t.Errorf("%s wrote files to its disk: %v", n.Host, err)
		}
		if left, _ := os.ReadDir(filepath.Join(n.Config.DataDir, "tmp")); len(left) != 0 {
			t.Errorf("%s left %d temporary files", n.Host, len(left))
		}
	}
}
