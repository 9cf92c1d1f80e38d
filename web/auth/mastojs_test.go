package auth_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// mastojsDir holds masto.js, pinned by package-lock.json; scripts/test.sh
// installs it (npm ci), and so does this test when it is missing.
const mastojsDir = "testdata/mastojs"

func mastojs(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed (Debian's nodejs); the masto.js test needs it")
	}
	if _, err := os.Stat(filepath.Join(mastojsDir, "node_modules", "masto", "package.json")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = mastojsDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", mastojsDir, err, out)
		}
	}
	return filepath.Join(mastojsDir, "flow.mjs")
}

// A real Mastodon client library, masto.js, registers an app, goes through
// the node's sign-in and consent pages with PKCE, posts, reads its home
// timeline, and has its token revoked.
func TestMastoJS(t *testing.T) {
	script := mastojs(t)
	n := testnet.StartNode(t, testnet.Options{})
	n.CreateUser("agent", store.TierState, "")
	cmd := exec.Command("node", script)
	cmd.Env = append(os.Environ(), "ARCHIPEL_URL="+n.URL, "ARCHIPEL_LOGIN=agent", "ARCHIPEL_PASSWORD=password-agent")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("masto.js: %v\n%s\n%s", err, out, stderr)
	}
	var got struct {
		Username, Posted, TokenScope, App, Replay, AfterRevoke string
		InHome                                                 bool
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(out))), &got); err != nil {
		t.Fatalf("masto.js said %s", out)
	}
	if got.Username != "agent" || got.Posted == "" || !got.InHome || got.App != "masto.js test" {
		t.Errorf("masto.js saw %+v", got)
	}
	if got.TokenScope != "read write follow" {
		t.Errorf("token scope %q", got.TokenScope)
	}
	if got.Replay != "400" {
		t.Errorf("a code used twice: %s", got.Replay)
	}
	if got.AfterRevoke != "401" {
		t.Errorf("a call after the revocation: %s", got.AfterRevoke)
	}
}
