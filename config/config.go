// Package config holds a node's settings: one flag per setting, each with an
// ARCHIPEL_* environment twin, with the names and defaults operators rely on
// (DESIGN.md section 7).
package config

import (
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strconv"

	"github.com/archipel-social/archipel/federation"
)

// Federation modes.
const (
	ModeOpen      = "open"
	ModeAllowlist = "allowlist"
)

// Config is everything a node process needs to start.
type Config struct {
	Listen                string
	PublicURL             string
	DatabaseURL           string
	RedisURL              string
	DataDir               string
	FederationMode        string
	AllowPrivateAddresses string
	// MetricsAllow lists the networks (CIDRs) /metrics answers.
	MetricsAllow string
	// QueuePrefix names this node's asynq queues, so that nodes can share
	// one Redis database.
	QueuePrefix string
	// MaxUploadBytes bounds one uploaded file.
	MaxUploadBytes int64
	maxUpload      string
	// Dev relaxes what only matters behind TLS (Secure cookies); set when
	// the public URL is plain http on localhost.
	Dev bool
}

// Default values, as DESIGN.md section 7 fixes them.
const (
	DefaultListen      = "127.0.0.1:8080"
	DefaultPublicURL   = "http://localhost:8080"
	DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/archipel?sslmode=disable"
	DefaultRedisURL    = "redis://127.0.0.1:6379/0"
	DefaultDataDir     = "./data"
	DefaultMode        = ModeAllowlist
	// DefaultMetricsAllow keeps /metrics to the machine itself.
	DefaultMetricsAllow = "127.0.0.0/8,::1/128"
)

type setting struct {
	flag, env, def, usage string
	target                *string
}

func (c *Config) settings() []setting {
	return []setting{
		{"listen", "ARCHIPEL_LISTEN", DefaultListen, "address the HTTP server listens on", &c.Listen},
		{"public-url", "ARCHIPEL_PUBLIC_URL", DefaultPublicURL, "scheme, host and port as peers see the node", &c.PublicURL},
		{"database-url", "ARCHIPEL_DATABASE_URL", DefaultDatabaseURL, "PostgreSQL connection URL", &c.DatabaseURL},
		{"redis-url", "ARCHIPEL_REDIS_URL", DefaultRedisURL, "Redis URL for the asynq queues (a DB number keeps nodes apart)", &c.RedisURL},
		{"data-dir", "ARCHIPEL_DATA_DIR", DefaultDataDir, "folder for uploaded files", &c.DataDir},
		{"federation-mode", "ARCHIPEL_FEDERATION_MODE", DefaultMode, "open (blocklist) or allowlist (only listed peers); stored setting wins once changed with the admin command", &c.FederationMode},
		{"allow-private-addresses", "ARCHIPEL_ALLOW_PRIVATE_ADDRESSES", "", "comma-separated CIDRs the outgoing client may reach although private (e.g. 127.0.0.0/8)", &c.AllowPrivateAddresses},
		{"metrics-allow", "ARCHIPEL_METRICS_ALLOW", DefaultMetricsAllow, "comma-separated CIDRs whose clients may read /metrics (others get 403)", &c.MetricsAllow},
		{"max-upload-bytes", "ARCHIPEL_MAX_UPLOAD_BYTES", "104857600", "largest file a member may upload, in bytes (default 100 MiB)", &c.maxUpload},
		{"queue-prefix", "ARCHIPEL_QUEUE_PREFIX", "archipel", "prefix of this node's queue names in Redis (nodes sharing a Redis need different ones)", &c.QueuePrefix},
	}
}

// Register adds the flags to fs; each flag's default is its environment
// variable when set, so a flag on the command line wins over the variable.
func (c *Config) Register(fs *flag.FlagSet) {
	for _, s := range c.settings() {
		def := s.def
		if v, ok := os.LookupEnv(s.env); ok {
			def = v
		}
		fs.StringVar(s.target, s.flag, def, fmt.Sprintf("%s (env %s)", s.usage, s.env))
	}
}

// FromEnv returns the configuration from the environment and defaults only.
func FromEnv() Config {
	var c Config
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	c.Register(fs)
	return c
}

// Validate checks the values and fills derived ones.
func (c *Config) Validate() error {
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("public URL %q: want scheme://host[:port]", c.PublicURL)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("public URL %q: a path is not supported", c.PublicURL)
	}
	c.PublicURL = u.Scheme + "://" + u.Host
	switch c.FederationMode {
	case ModeOpen, ModeAllowlist:
	default:
		return fmt.Errorf("federation mode %q: want open or allowlist", c.FederationMode)
	}
	if _, err := c.PrivateAllowlist(); err != nil {
		return err
	}
	if _, err := c.MetricsAllowlist(); err != nil {
		return err
	}
	if c.QueuePrefix == "" {
		c.QueuePrefix = "archipel"
	}
	if c.maxUpload != "" {
		n, err := strconv.ParseInt(c.maxUpload, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("max-upload-bytes %q: want a positive number of bytes", c.maxUpload)
		}
		c.MaxUploadBytes = n
	}
	c.Dev = u.Scheme == "http"
	return nil
}

// Host is the node's host (with port when not the default), as it appears in
// handles and in actor URIs.
func (c *Config) Host() string {
	u, _ := url.Parse(c.PublicURL)
	return u.Host
}

// PrivateAllowlist parses AllowPrivateAddresses.
func (c *Config) PrivateAllowlist() ([]netip.Prefix, error) {
	p, err := federation.ParseCIDRList(c.AllowPrivateAddresses)
	if err != nil {
		return nil, fmt.Errorf("allow-private-addresses: %w", err)
	}
	return p, nil
}

// MetricsAllowlist parses MetricsAllow.
func (c *Config) MetricsAllowlist() ([]netip.Prefix, error) {
	p, err := federation.ParseCIDRList(c.MetricsAllow)
	if err != nil {
		return nil, fmt.Errorf("metrics-allow: %w", err)
	}
	return p, nil
}
