package config

import (
	"flag"
	"strings"
	"testing"
)

func parse(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var c Config
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	c.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return c, c.Validate()
}

func TestRateLimits(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil || c.InboxRate != DefaultInboxRate || c.APIRate != DefaultAPIRate {
		t.Fatalf("defaults: %+v %+v %v", c.InboxRate, c.APIRate, err)
	}
	if DefaultInboxRate != (Rate{300, 3000}) || DefaultAPIRate != (Rate{10, 60}) {
		t.Fatal("the defaults changed")
	}
	c, err = parse(t, map[string]string{"ARCHIPEL_INBOX_RATE_PER_HOST": "0", "ARCHIPEL_API_RATE": "0.5", "ARCHIPEL_API_BURST": "5"},
		"--inbox-burst", "20")
	if err != nil || !c.InboxRate.Unlimited() || c.InboxRate.Burst != 20 || c.APIRate != (Rate{0.5, 5}) {
		t.Fatalf("from the environment and a flag: %+v %+v %v", c.InboxRate, c.APIRate, err)
	}
	// A Config built in Go without rates gets the defaults; one with rates
	// keeps them.
	g := Config{PublicURL: "http://localhost:8080", FederationMode: ModeOpen}
	if err := g.Validate(); err != nil || g.InboxRate != DefaultInboxRate || g.APIRate != DefaultAPIRate {
		t.Fatalf("zero Config: %+v %+v %v", g.InboxRate, g.APIRate, err)
	}
	g.APIRate = Rate{1, 2}
	if err := g.Validate(); err != nil || g.APIRate != (Rate{1, 2}) {
		t.Fatalf("Config with a rate: %+v %v", g.APIRate, err)
	}
	for env, want := range map[string]string{
		"ARCHIPEL_INBOX_RATE_PER_HOST": "inbox-rate-per-host",
		"ARCHIPEL_API_RATE":            "api-rate",
		"ARCHIPEL_INBOX_BURST":         "inbox-burst",
		"ARCHIPEL_API_BURST":           "api-burst",
	} {
		for _, bad := range []string{"-1", "beaucoup", "NaN", "0x"} {
			t.Run(env+"="+bad, func(t *testing.T) { // each with its own environment
				if _, err := parse(t, map[string]string{env: bad}); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%v, want an error naming %s", err, want)
				}
			})
		}
	}
	t.Run("burst 0", func(t *testing.T) {
		if _, err := parse(t, map[string]string{"ARCHIPEL_API_BURST": "0"}); err == nil {
			t.Error("a burst of 0 accepted")
		}
	})
}

func TestStorageURL(t *testing.T) {
	if _, err := parse(t, map[string]string{"ARCHIPEL_STORAGE_URL": "s3://documents?endpoint=minio:9000&secure=false"}); err != nil {
		t.Errorf("an s3 URL: %v", err)
	}
	if _, err := parse(t, map[string]string{"ARCHIPEL_STORAGE_URL": "s3://documents?endpont=minio:9000"}); err == nil {
		t.Error("a mistyped parameter is accepted")
	}
}

// The S3 secret comes from the environment without showing in --help.
func TestSecretNotInHelp(t *testing.T) {
	t.Setenv("ARCHIPEL_S3_SECRET_KEY", "tres-secret")
	var c Config
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	c.Register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if c.S3SecretKey != "tres-secret" {
		t.Errorf("secret from the environment: %q", c.S3SecretKey)
	}
	if d := fs.Lookup("s3-secret-key").DefValue; d != "" {
		t.Errorf("--help shows the secret as the default: %q", d)
	}
	if err := fs.Parse([]string{"--s3-secret-key", "autre"}); err != nil || c.S3SecretKey != "autre" {
		t.Errorf("the flag does not win over the variable: %q %v", c.S3SecretKey, err)
	}
}
